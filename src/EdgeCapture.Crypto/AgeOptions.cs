namespace EdgeCapture.Crypto;

/// <summary>How <see cref="AgeEncryptingStream"/> writes a file.</summary>
public sealed record AgeEncryptionOptions
{
    /// <summary>Write the ASCII armor (PEM <c>AGE ENCRYPTED FILE</c>) instead of binary. Default false.</summary>
    public bool Armor { get; init; }

    /// <summary>Leave the output stream open when the encrypting stream is disposed. Default false.</summary>
    public bool LeaveOpen { get; init; }

    /// <summary>
    /// How many chunks may be sealed at once on thread-pool threads. Default 1: sealing runs on the caller's
    /// thread, which is what a recorder sharing the CPU with the keyboard relay wants. The CLI uses every core.
    /// </summary>
    public int MaxDegreeOfParallelism { get; init; } = 1;
}

/// <summary>How <see cref="AgeDecryptingStream"/> reads a file.</summary>
public sealed record AgeDecryptionOptions
{
    /// <summary>Binary, armored, or detect (the default: armored when the first non-whitespace byte is '-').</summary>
    public AgeInputFormat Format { get; init; } = AgeInputFormat.Detect;

    /// <summary>Leave the input stream open when the decrypting stream is disposed. Default false.</summary>
    public bool LeaveOpen { get; init; }

    /// <summary>How many chunks may be opened at once on thread-pool threads. Default 1 (caller's thread only).</summary>
    public int MaxDegreeOfParallelism { get; init; } = 1;

    /// <summary>Open chunks with NSec's cipher even where the platform has one (so that tests run both; see <see cref="PayloadChunkOpener"/>).</summary>
    internal bool UseLibsodium { get; init; }
}

/// <summary>The encoding of an age file being read.</summary>
public enum AgeInputFormat
{
    /// <summary>Armored if the first non-whitespace byte is '-', binary otherwise.</summary>
    Detect,

    /// <summary>The binary age format.</summary>
    Binary,

    /// <summary>The ASCII armor (PEM <c>AGE ENCRYPTED FILE</c>).</summary>
    Armored,
}
