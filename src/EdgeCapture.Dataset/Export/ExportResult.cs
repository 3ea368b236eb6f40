using EdgeCapture.Dataset.Timeline;

namespace EdgeCapture.Dataset.Export;

/// <summary>A chain gap the export went past with <see cref="ExportOptions.AllowGaps"/>.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Description">Which segments are missing and why it matters.</param>
public sealed record ChainGap(Guid SessionId, string Description);

/// <summary>What a finished export wrote.</summary>
public sealed class ExportResult
{
    /// <summary>The output folder.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The source read.</summary>
    public required string Source { get; init; }

    /// <summary>Sessions exported.</summary>
    public required IReadOnlyList<SessionSummary> Sessions { get; init; }

    /// <summary>Gaps listed in the card.</summary>
    public required IReadOnlyList<ChainGap> Gaps { get; init; }

    /// <summary>Warnings from verification (sessions without an end, heads no longer held).</summary>
    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>Segments verified and exported.</summary>
    public int Segments { get; init; }

    /// <summary>Ciphertext bytes read.</summary>
    public long CiphertextBytes { get; init; }

    /// <summary>Parquet shards of the events config (relative to the output folder).</summary>
    public IReadOnlyList<string> EventShards { get; init; } = [];

    /// <summary>Parquet shards of the steps config.</summary>
    public IReadOnlyList<string> StepShards { get; init; } = [];

    /// <summary>Rows in the events config.</summary>
    public long EventRows => Sessions.Sum(session => session.Events);

    /// <summary>Rows in the steps config.</summary>
    public long StepRows => Sessions.Sum(session => session.Steps);

    /// <summary>Frames.</summary>
    public long Frames => Sessions.Sum(session => session.Frames);

    /// <summary>Wall time the export took.</summary>
    public TimeSpan Elapsed { get; init; }
}

/// <summary>The export did not happen: nothing was left at the output path.</summary>
public sealed class ExportFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExportFailedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public ExportFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public ExportFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
