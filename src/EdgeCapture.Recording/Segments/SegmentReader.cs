using System.Formats.Cbor;
using EdgeCapture.Hid;
using EdgeCapture.Input;

namespace EdgeCapture.Recording.Segments;

/// <summary>
/// Decodes and validates a segment's plaintext (after the custodian decrypts it). Anything that is not exactly
/// a well-formed segment of a known version gives a <see cref="SegmentFormatException"/> saying what and where:
/// truncated input, non-canonical or malformed CBOR, unknown record types, fields of the wrong type or range,
/// a missing header or trailer, a record count that disagrees with the trailer, or bytes after the trailer.
/// </summary>
public static class SegmentReader
{
    /// <summary>Largest number of input devices a header may list (a sanity bound against corrupt counts).</summary>
    public const int MaximumInputDevices = 256;

    /// <summary>Reads a whole segment.</summary>
    /// <param name="plaintext">The decrypted segment.</param>
    /// <returns>The header, the body records with absolute times, and the trailer.</returns>
    /// <exception cref="SegmentFormatException">The bytes are not a valid segment.</exception>
    public static SegmentContents Read(ReadOnlyMemory<byte> plaintext) => Read(plaintext, copyImages: true);

    /// <summary>
    /// Reads a whole segment without copying frame images: each <see cref="FrameRecord.Image"/> is a slice of
    /// <paramref name="plaintext"/>, so the caller must keep that buffer unchanged for as long as it uses the frames (the
    /// custodian's export, which reads each segment once and writes only some frames).
    /// </summary>
    /// <param name="plaintext">The decrypted segment; the frames refer into it.</param>
    /// <returns>The header, the body records with absolute times, and the trailer.</returns>
    /// <exception cref="SegmentFormatException">The bytes are not a valid segment.</exception>
    public static SegmentContents ReadSharingImages(ReadOnlyMemory<byte> plaintext) => Read(plaintext, copyImages: false);

    private static SegmentContents Read(ReadOnlyMemory<byte> plaintext, bool copyImages)
    {
        var reader = new CborReader(plaintext, CborConformanceMode.Canonical, allowMultipleRootLevelValues: true);
        var records = new List<SegmentRecord>();
        SegmentHeader header;
        SegmentTrailer? trailer = null;
        try
        {
            if (reader.BytesRemaining == 0)
            {
                throw new SegmentFormatException("Segment is empty: no header record", 0);
            }

            header = ReadHeader(reader);
            long previous = header.MonotonicAnchorNanoseconds;
            while (reader.BytesRemaining > 0)
            {
                long offset = plaintext.Length - reader.BytesRemaining;
                int count = ReadArrayStart(reader, offset);
                SegmentRecordType type = (SegmentRecordType)ReadBoundedUInt(reader, offset, "record type", 255);
                if (type == SegmentRecordType.Trailer)
                {
                    ExpectCount(count, 4, type, offset);
                    long recordCount = (long)ReadBoundedUInt(reader, offset, "trailer record count", long.MaxValue);
                    long end = reader.ReadInt64();
                    var reason = (SessionEndReason)ReadBoundedUInt(reader, offset, "session end reason", (ulong)SessionEndReason.Shutdown);
                    reader.ReadEndArray();
                    trailer = new SegmentTrailer(recordCount, end, reason);
                    if (reader.BytesRemaining > 0)
                    {
                        throw new SegmentFormatException($"{reader.BytesRemaining} bytes after the trailer", plaintext.Length - reader.BytesRemaining);
                    }

                    break;
                }

                long time = checked(previous + reader.ReadInt64());
                previous = time;
                records.Add(type switch
                {
                    SegmentRecordType.Key => ReadKey(reader, count, time, offset),
                    SegmentRecordType.Mouse => ReadMouse(reader, count, time, offset),
                    SegmentRecordType.PointerPosition when header.FormatVersion >= 2 => ReadPointerPosition(reader, count, time, offset),
                    SegmentRecordType.Frame => ReadFrame(reader, count, time, offset, copyImages),
                    SegmentRecordType.Marker => ReadMarker(reader, count, time, offset),
                    SegmentRecordType.Header => throw new SegmentFormatException("A second header record", offset),
                    _ => throw new SegmentFormatException($"Unknown record type {(int)type}", offset),
                });
                reader.ReadEndArray();
            }
        }
        catch (CborContentException exception)
        {
            throw new SegmentFormatException($"Malformed CBOR: {exception.Message}", plaintext.Length - reader.BytesRemaining, exception);
        }
        catch (InvalidOperationException exception)
        {
            // CborReader reports a value of an unexpected type (or an array ending early) this way.
            throw new SegmentFormatException($"Unexpected value: {exception.Message}", plaintext.Length - reader.BytesRemaining, exception);
        }
        catch (OverflowException exception)
        {
            throw new SegmentFormatException("A number is out of range", plaintext.Length - reader.BytesRemaining, exception);
        }

        if (trailer is null)
        {
            throw new SegmentFormatException($"Segment is truncated: no trailer after {records.Count} records", plaintext.Length);
        }

        if (trailer.RecordCount != records.Count)
        {
            throw new SegmentFormatException($"Trailer counts {trailer.RecordCount} records but the segment holds {records.Count}", plaintext.Length);
        }

        return new SegmentContents(header, records, trailer);
    }

    private static SegmentHeader ReadHeader(CborReader reader)
    {
        int count = ReadArrayStart(reader, 0);
        ulong type = ReadBoundedUInt(reader, 0, "record type", 255);
        if (type != (ulong)SegmentRecordType.Header)
        {
            throw new SegmentFormatException($"First record is of type {type}, not a header", 0);
        }

        ExpectCount(count, 9, SegmentRecordType.Header, 0);
        int version = (int)ReadBoundedUInt(reader, 0, "format version", int.MaxValue);
        if (version is < SegmentFormat.OldestReadableVersion or > SegmentFormat.Version)
        {
            throw new SegmentFormatException($"Unsupported segment format version {version}; this build reads versions {SegmentFormat.OldestReadableVersion} to {SegmentFormat.Version}", 0);
        }

        string deviceId = reader.ReadTextString();
        byte[] sessionIdBytes = reader.ReadByteString();
        if (sessionIdBytes.Length != SegmentFormat.SessionIdLength)
        {
            throw new SegmentFormatException($"Session id is {sessionIdBytes.Length} bytes, expected {SegmentFormat.SessionIdLength}", 0);
        }

        long segmentIndex = (long)ReadBoundedUInt(reader, 0, "segment index", long.MaxValue);
        long monotonicAnchor = reader.ReadInt64();
        long wallClockAnchor = reader.ReadInt64();
        ScreenDescription? screen = null;
        if (reader.PeekState() == CborReaderState.Null)
        {
            reader.ReadNull();
        }
        else
        {
            ExpectCount(ReadArrayStart(reader, 0), 3, SegmentRecordType.Header, 0);
            int width = (int)ReadBoundedUInt(reader, 0, "screen width", int.MaxValue);
            int height = (int)ReadBoundedUInt(reader, 0, "screen height", int.MaxValue);
            screen = new ScreenDescription(width, height, reader.ReadTextString());
            reader.ReadEndArray();
        }

        int deviceCount = ReadArrayStart(reader, 0);
        if (deviceCount > MaximumInputDevices)
        {
            throw new SegmentFormatException($"Header lists {deviceCount} input devices, more than {MaximumInputDevices}", 0);
        }

        var devices = new InputDeviceDescription[deviceCount];
        for (int index = 0; index < deviceCount; index++)
        {
            ExpectCount(ReadArrayStart(reader, 0), 3, SegmentRecordType.Header, 0);
            int id = reader.ReadInt32();
            var kind = (InputDeviceKind)ReadBoundedUInt(reader, 0, "input device kind", (ulong)InputDeviceKind.ConsumerControl);
            devices[index] = new InputDeviceDescription(id, kind, reader.ReadTextString());
            reader.ReadEndArray();
        }

        reader.ReadEndArray();
        reader.ReadEndArray();
        return new SegmentHeader(version, deviceId, new Guid(sessionIdBytes, bigEndian: true), segmentIndex, monotonicAnchor, wallClockAnchor, screen, devices);
    }

    private static KeyRecord ReadKey(CborReader reader, int count, long time, long offset)
    {
        ExpectCount(count, 5, SegmentRecordType.Key, offset);
        ushort page = (ushort)ReadBoundedUInt(reader, offset, "usage page", ushort.MaxValue);
        ushort id = (ushort)ReadBoundedUInt(reader, offset, "usage id", ushort.MaxValue);
        return new KeyRecord(time, new HidUsage(page, id), reader.ReadBoolean());
    }

    private static PointerPositionRecord ReadPointerPosition(CborReader reader, int count, long time, long offset)
    {
        ExpectCount(count, 4, SegmentRecordType.PointerPosition, offset);
        int x = (int)ReadBoundedUInt(reader, offset, "pointer x", int.MaxValue);
        int y = (int)ReadBoundedUInt(reader, offset, "pointer y", int.MaxValue);
        return new PointerPositionRecord(time, x, y);
    }

    private static MouseRecord ReadMouse(CborReader reader, int count, long time, long offset)
    {
        ExpectCount(count, 7, SegmentRecordType.Mouse, offset);
        var buttons = (MouseButtons)ReadBoundedUInt(reader, offset, "mouse buttons", 0x1F);
        return new MouseRecord(time, buttons, reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
    }

    private static FrameRecord ReadFrame(CborReader reader, int count, long time, long offset, bool copyImage)
    {
        ExpectCount(count, 7, SegmentRecordType.Frame, offset);
        int width = (int)ReadBoundedUInt(reader, offset, "frame width", int.MaxValue);
        int height = (int)ReadBoundedUInt(reader, offset, "frame height", int.MaxValue);
        string format = reader.ReadTextString();
        int keepReason = (int)ReadBoundedUInt(reader, offset, "frame keep reason", int.MaxValue);
        // Canonical CBOR has only definite-length strings, so the image is one contiguous slice of the plaintext.
        return new FrameRecord(time, width, height, format, keepReason, copyImage ? reader.ReadByteString() : reader.ReadDefiniteLengthByteString());
    }

    private static MarkerRecord ReadMarker(CborReader reader, int count, long time, long offset)
    {
        ExpectCount(count, 5, SegmentRecordType.Marker, offset);
        var kind = (MarkerKind)ReadBoundedUInt(reader, offset, "marker kind", int.MaxValue);
        if (!Enum.IsDefined(kind))
        {
            throw new SegmentFormatException($"Unknown marker kind {(int)kind}", offset);
        }

        return new MarkerRecord(time, kind, reader.ReadInt64(), reader.ReadInt64());
    }

    private static int ReadArrayStart(CborReader reader, long offset)
    {
        if (reader.PeekState() != CborReaderState.StartArray)
        {
            throw new SegmentFormatException($"Expected a record array, found {reader.PeekState()}", offset);
        }

        int? count = reader.ReadStartArray();
        return count ?? throw new SegmentFormatException("Indefinite-length array", offset);
    }

    private static void ExpectCount(int count, int expected, SegmentRecordType type, long offset)
    {
        if (count != expected)
        {
            throw new SegmentFormatException($"{type} record has {count} items, expected {expected}", offset);
        }
    }

    private static ulong ReadBoundedUInt(CborReader reader, long offset, string what, ulong maximum)
    {
        if (reader.PeekState() != CborReaderState.UnsignedInteger)
        {
            throw new SegmentFormatException($"Expected an unsigned integer for {what}, found {reader.PeekState()}", offset);
        }

        ulong value = reader.ReadUInt64();
        if (value > maximum)
        {
            throw new SegmentFormatException($"{what} {value} is larger than {maximum}", offset);
        }

        return value;
    }
}
