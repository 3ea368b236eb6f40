using EdgeCapture.Crypto;
using EdgeCapture.Dataset.Layouts;

namespace EdgeCapture.Dataset.Export;

/// <summary>Which formats an export writes.</summary>
public enum ExportFormat
{
    /// <summary>Hugging Face datasets layout: <c>data/{config}/train-*.parquet</c> and the card.</summary>
    HuggingFace,

    /// <summary>DuckTrack/AgentNet raw folders under <c>raw/{session}</c>, and the card.</summary>
    Raw,

    /// <summary>Both.</summary>
    Both,
}

/// <summary>What to export and how.</summary>
public sealed record ExportOptions
{
    /// <summary>The folder to create. It must not exist; it appears only when the export is complete.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The custodian's identities.</summary>
    public required IReadOnlyList<AgeIdentity> Identities { get; init; }

    /// <summary>Only these sessions (empty: all).</summary>
    public IReadOnlyCollection<Guid> Sessions { get; init; } = [];

    /// <summary>Only sessions that end at or after this instant.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Only sessions that start before this instant.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Formats to write.</summary>
    public ExportFormat Format { get; init; } = ExportFormat.HuggingFace;

    /// <summary>The host's keyboard layout.</summary>
    public KeyboardLayout Layout { get; init; } = KeyboardLayout.UnitedStates;

    /// <summary>Go ahead past chain gaps (missing segments) and list them in the card instead of failing.</summary>
    public bool AllowGaps { get; init; }

    /// <summary>Correct estimated pointer positions at clicks by finding the pointer in the frame before (needs libturbojpeg).</summary>
    public bool CorrectPointer { get; init; } = true;

    /// <summary>Cores for decryption (age chunks opened in parallel).</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Upper bound of one Parquet shard.</summary>
    public long MaximumShardBytes { get; init; } = 512L * 1024 * 1024;
}
