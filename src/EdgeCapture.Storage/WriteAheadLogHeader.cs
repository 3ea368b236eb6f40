using System.Buffers.Binary;

namespace EdgeCapture.Storage;

/// <summary>
/// Recognises a write-ahead log whose header SQLite could not have written (https://www.sqlite.org/fileformat2.html#walformat).
/// SQLite silently ignores such a WAL, which would hide a storage fault; a torn tail of frames after a crash, an empty WAL and
/// an all-zero header (a never-synced header after power loss) are normal and accepted.
/// </summary>
internal static class WriteAheadLogHeader
{
    internal const int HeaderLength = 32;
    private const uint MagicLittleEndianChecksums = 0x377f0682;
    private const uint MagicBigEndianChecksums = 0x377f0683;
    private const uint FormatVersion = 3007000;

    /// <summary>Returns null when the header is acceptable, otherwise what is wrong with it.</summary>
    internal static string? Describe(ReadOnlySpan<byte> header)
    {
        if (header.Length < HeaderLength || !header.ContainsAnyExcept((byte)0))
        {
            return null;
        }

        uint magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (magic is not (MagicLittleEndianChecksums or MagicBigEndianChecksums))
        {
            return $"bad magic 0x{magic:x8}";
        }

        uint version = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        if (version != FormatVersion)
        {
            return $"unknown format version {version}";
        }

        bool bigEndian = magic == MagicBigEndianChecksums;
        uint sum0 = 0;
        uint sum1 = 0;
        for (int offset = 0; offset < 24; offset += 8)
        {
            uint word0 = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(header[offset..]) : BinaryPrimitives.ReadUInt32LittleEndian(header[offset..]);
            uint word1 = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(header[(offset + 4)..]) : BinaryPrimitives.ReadUInt32LittleEndian(header[(offset + 4)..]);
            sum0 += word0 + sum1;
            sum1 += word1 + sum0;
        }

        uint stored0 = BinaryPrimitives.ReadUInt32BigEndian(header[24..]);
        uint stored1 = BinaryPrimitives.ReadUInt32BigEndian(header[28..]);
        return stored0 == sum0 && stored1 == sum1 ? null : "header checksum mismatch";
    }
}
