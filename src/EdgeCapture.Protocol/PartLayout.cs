using System.Globalization;

namespace EdgeCapture.Protocol;

/// <summary>
/// How a segment's ciphertext is cut into parts: every part is <see cref="PartSize"/> bytes except the last, which
/// holds the rest. A part is therefore fully described by its index, so it can be staged at its offset and resent
/// alone. The layout travels in every part and in the commit; a box that has to change the part size (a smaller
/// broker limit after a reconnect) commits the segment with the new layout, and the collector answers in terms of it.
/// </summary>
public readonly record struct PartLayout
{
    /// <summary>Creates a layout after checking it against <see cref="ProtocolLimits"/>.</summary>
    /// <param name="ciphertextLength">Length of the whole ciphertext (at least 1 byte).</param>
    /// <param name="partSize">Size of every part but the last.</param>
    /// <exception cref="ProtocolFormatException">Out of the protocol's bounds.</exception>
    public PartLayout(long ciphertextLength, int partSize)
    {
        if (partSize is < ProtocolLimits.MinimumPartSize or > ProtocolLimits.MaximumPartSize)
        {
            throw new ProtocolFormatException(string.Create(CultureInfo.InvariantCulture,
                $"Part size {partSize} is outside {ProtocolLimits.MinimumPartSize}..{ProtocolLimits.MaximumPartSize}."));
        }

        if (ciphertextLength < 1)
        {
            throw new ProtocolFormatException("A segment's ciphertext is at least one byte long.");
        }

        long count = ((ciphertextLength - 1) / partSize) + 1;
        if (count > ProtocolLimits.MaximumPartCount)
        {
            throw new ProtocolFormatException(string.Create(CultureInfo.InvariantCulture,
                $"A ciphertext of {ciphertextLength} bytes in parts of {partSize} needs {count} parts, more than {ProtocolLimits.MaximumPartCount}."));
        }

        CiphertextLength = ciphertextLength;
        PartSize = partSize;
        PartCount = (int)count;
    }

    /// <summary>Length of the whole ciphertext.</summary>
    public long CiphertextLength { get; }

    /// <summary>Size of every part but the last.</summary>
    public int PartSize { get; }

    /// <summary>Number of parts.</summary>
    public int PartCount { get; }

    /// <summary>Offset of a part in the ciphertext.</summary>
    /// <param name="partIndex">The part.</param>
    /// <returns>The byte offset.</returns>
    public long OffsetOf(int partIndex)
    {
        CheckIndex(partIndex);
        return (long)partIndex * PartSize;
    }

    /// <summary>Length of a part.</summary>
    /// <param name="partIndex">The part.</param>
    /// <returns>Its length in bytes.</returns>
    public int LengthOf(int partIndex)
    {
        CheckIndex(partIndex);
        return partIndex < PartCount - 1 ? PartSize : (int)(CiphertextLength - ((long)partIndex * PartSize));
    }

    private void CheckIndex(int partIndex)
    {
        if (partIndex < 0 || partIndex >= PartCount)
        {
            throw new ProtocolFormatException(string.Create(CultureInfo.InvariantCulture, $"Part index {partIndex} is outside 0..{PartCount - 1}."));
        }
    }
}
