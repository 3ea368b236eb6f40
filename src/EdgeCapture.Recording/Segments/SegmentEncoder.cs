using EdgeCapture.Hid;

namespace EdgeCapture.Recording.Segments;

/// <summary>Per-type record counts of one segment.</summary>
/// <param name="Keys">Key records.</param>
/// <param name="Mouse">Mouse records.</param>
/// <param name="Frames">Frame records.</param>
/// <param name="Markers">Marker records.</param>
public readonly record struct RecordCounts(long Keys, long Mouse, long Frames, long Markers)
{
    /// <summary>All body records.</summary>
    public long Total => Keys + Mouse + Frames + Markers;
}

/// <summary>
/// Encodes one segment's records into a <see cref="CborSegmentWriter"/>: header, body records with times as deltas,
/// trailer. Allocation-free per record.
/// </summary>
internal sealed class SegmentEncoder
{
    /// <summary>Upper bound of a key, mouse or marker record in bytes (array head + 7 items of at most 9 bytes).</summary>
    public const int MaximumSmallRecordLength = 1 + (7 * 9);

    /// <summary>Upper bound of the trailer in bytes.</summary>
    public const int MaximumTrailerLength = 1 + (4 * 9);

    /// <summary>Most body records one segment holds (bounds the record index; the recorder seals before).</summary>
    public const int MaximumRecordsPerSegment = 65536;

    private readonly CborSegmentWriter _writer;

    // Index of the body records, so a cut can drop a suffix without decoding plaintext into managed objects.
    private readonly int[] _recordOffsets = new int[MaximumRecordsPerSegment];
    private readonly long[] _recordTimes = new long[MaximumRecordsPerSegment];
    private readonly byte[] _recordTypes = new byte[MaximumRecordsPerSegment];
    private int _recordCount;
    private long _previousNanoseconds;
    private long _keys;
    private long _mouse;
    private long _frames;
    private long _markers;

    public SegmentEncoder(CborSegmentWriter writer)
    {
        _writer = writer;
    }

    public RecordCounts Counts => new(_keys, _mouse, _frames, _markers);

    public bool IsOpen { get; private set; }

    public long AnchorNanoseconds { get; private set; }

    /// <summary>Time of the latest body record (the anchor when there is none).</summary>
    public long LastRecordNanoseconds => _previousNanoseconds;

    public int Length => _writer.Length;

    /// <summary>Body records written so far.</summary>
    public int RecordCount => _recordCount;

    /// <summary>True when the record index is full and the segment must be sealed.</summary>
    public bool IsRecordIndexFull => _recordCount >= MaximumRecordsPerSegment - 4;

    /// <summary>Time of body record <paramref name="index"/>.</summary>
    public long RecordTime(int index) => _recordTimes[index];

    /// <summary>
    /// Drops body records from <paramref name="keep"/> on (zeroing their bytes) and returns how many were dropped.
    /// Used when a cut must remove records at or after the cut time.
    /// </summary>
    public int TruncateRecords(int keep)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(keep, _recordCount);
        int dropped = _recordCount - keep;
        for (int index = keep; index < _recordCount; index++)
        {
            switch ((SegmentRecordType)_recordTypes[index])
            {
                case SegmentRecordType.Key:
                    _keys--;
                    break;
                case SegmentRecordType.Mouse or SegmentRecordType.PointerPosition:
                    _mouse--;
                    break;
                case SegmentRecordType.Frame:
                    _frames--;
                    break;
                default:
                    _markers--;
                    break;
            }
        }

        if (dropped > 0)
        {
            _writer.Truncate(_recordOffsets[keep]);
            _recordCount = keep;
            _previousNanoseconds = keep == 0 ? AnchorNanoseconds : _recordTimes[keep - 1];
        }

        return dropped;
    }

    /// <summary>Upper bound of a frame record's length for an image of <paramref name="imageLength"/> bytes.</summary>
    public static int MaximumFrameRecordLength(int imageLength, string format) => 1 + (5 * 9) + 9 + (format.Length * 4) + 9 + imageLength;

    public void WriteHeader(SegmentHeader header)
    {
        _writer.Clear();
        _keys = _mouse = _frames = _markers = 0;
        _recordCount = 0;
        AnchorNanoseconds = header.MonotonicAnchorNanoseconds;
        _previousNanoseconds = header.MonotonicAnchorNanoseconds;
        IsOpen = true;

        Span<byte> sessionId = stackalloc byte[SegmentFormat.SessionIdLength];
        header.SessionId.TryWriteBytes(sessionId, bigEndian: true, out _);
        _writer.WriteArrayHeader(9);
        _writer.WriteUInt64((ulong)SegmentRecordType.Header);
        _writer.WriteUInt64((ulong)header.FormatVersion);
        _writer.WriteTextString(header.DeviceId);
        _writer.WriteByteString(sessionId);
        _writer.WriteUInt64((ulong)header.SegmentIndex);
        _writer.WriteInt64(header.MonotonicAnchorNanoseconds);
        _writer.WriteInt64(header.WallClockAnchorUnixNanoseconds);
        if (header.Screen is { } screen)
        {
            _writer.WriteArrayHeader(3);
            _writer.WriteUInt64((ulong)screen.Width);
            _writer.WriteUInt64((ulong)screen.Height);
            _writer.WriteTextString(screen.Format);
        }
        else
        {
            _writer.WriteNull();
        }

        _writer.WriteArrayHeader(header.InputDevices.Count);
        foreach (InputDeviceDescription device in header.InputDevices)
        {
            _writer.WriteArrayHeader(3);
            _writer.WriteInt64(device.DeviceId);
            _writer.WriteUInt64((ulong)device.Kind);
            _writer.WriteTextString(device.Name);
        }
    }

    public void WriteKey(long monotonicNanoseconds, HidUsage usage, bool isDown)
    {
        BeginRecord(SegmentRecordType.Key, monotonicNanoseconds);
        _writer.WriteArrayHeader(5);
        _writer.WriteUInt64((ulong)SegmentRecordType.Key);
        WriteTime(monotonicNanoseconds);
        _writer.WriteUInt64(usage.Page);
        _writer.WriteUInt64(usage.Id);
        _writer.WriteBoolean(isDown);
        _keys++;
    }

    public void WriteMouse(long monotonicNanoseconds, MouseButtons buttons, int deltaX, int deltaY, int wheel, int pan)
    {
        BeginRecord(SegmentRecordType.Mouse, monotonicNanoseconds);
        _writer.WriteArrayHeader(7);
        _writer.WriteUInt64((ulong)SegmentRecordType.Mouse);
        WriteTime(monotonicNanoseconds);
        _writer.WriteUInt64((ulong)buttons);
        _writer.WriteInt64(deltaX);
        _writer.WriteInt64(deltaY);
        _writer.WriteInt64(wheel);
        _writer.WriteInt64(pan);
        _mouse++;
    }

    /// <summary>Where the pointer is on the captured screen (counted with the mouse records).</summary>
    public void WritePointerPosition(long monotonicNanoseconds, int x, int y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(x);
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        BeginRecord(SegmentRecordType.PointerPosition, monotonicNanoseconds);
        _writer.WriteArrayHeader(4);
        _writer.WriteUInt64((ulong)SegmentRecordType.PointerPosition);
        WriteTime(monotonicNanoseconds);
        _writer.WriteUInt64((ulong)x);
        _writer.WriteUInt64((ulong)y);
        _mouse++;
    }

    public void WriteFrame(long monotonicNanoseconds, int width, int height, string format, int keepReason, ReadOnlySpan<byte> image)
    {
        BeginRecord(SegmentRecordType.Frame, monotonicNanoseconds);
        _writer.WriteArrayHeader(7);
        _writer.WriteUInt64((ulong)SegmentRecordType.Frame);
        WriteTime(monotonicNanoseconds);
        _writer.WriteUInt64((ulong)width);
        _writer.WriteUInt64((ulong)height);
        _writer.WriteTextString(format);
        _writer.WriteUInt64((ulong)keepReason);
        _writer.WriteByteString(image);
        _frames++;
    }

    public void WriteMarker(long monotonicNanoseconds, MarkerKind kind, long value, long detail)
    {
        BeginRecord(SegmentRecordType.Marker, monotonicNanoseconds);
        _writer.WriteArrayHeader(5);
        _writer.WriteUInt64((ulong)SegmentRecordType.Marker);
        WriteTime(monotonicNanoseconds);
        _writer.WriteUInt64((ulong)kind);
        _writer.WriteInt64(value);
        _writer.WriteInt64(detail);
        _markers++;
    }

    public void WriteTrailer(long endMonotonicNanoseconds, SessionEndReason endReason)
    {
        _writer.WriteArrayHeader(4);
        _writer.WriteUInt64((ulong)SegmentRecordType.Trailer);
        _writer.WriteUInt64((ulong)Counts.Total);
        _writer.WriteInt64(endMonotonicNanoseconds);
        _writer.WriteUInt64((ulong)endReason);
        IsOpen = false;
    }

    /// <summary>Re-encodes a decoded record (used when a cut drops records that arrived out of order).</summary>
    public void WriteRecord(SegmentRecord record)
    {
        switch (record)
        {
            case KeyRecord key:
                WriteKey(key.MonotonicNanoseconds, key.Usage, key.IsDown);
                break;
            case MouseRecord mouse:
                WriteMouse(mouse.MonotonicNanoseconds, mouse.Buttons, mouse.DeltaX, mouse.DeltaY, mouse.Wheel, mouse.Pan);
                break;
            case PointerPositionRecord position:
                WritePointerPosition(position.MonotonicNanoseconds, position.X, position.Y);
                break;
            case FrameRecord frame:
                WriteFrame(frame.MonotonicNanoseconds, frame.Width, frame.Height, frame.Format, frame.KeepReason, frame.Image.Span);
                break;
            case MarkerRecord marker:
                WriteMarker(marker.MonotonicNanoseconds, marker.Kind, marker.Value, marker.Detail);
                break;
            default:
                throw new ArgumentException($"Unknown record type {record.GetType().Name}.", nameof(record));
        }
    }

    public void Discard()
    {
        _writer.Clear();
        _recordCount = 0;
        IsOpen = false;
        _keys = _mouse = _frames = _markers = 0;
    }

    private void BeginRecord(SegmentRecordType type, long monotonicNanoseconds)
    {
        if (_recordCount >= MaximumRecordsPerSegment)
        {
            throw new InvalidOperationException($"A segment holds at most {MaximumRecordsPerSegment} records; the recorder seals before.");
        }

        _recordOffsets[_recordCount] = _writer.Length;
        _recordTimes[_recordCount] = monotonicNanoseconds;
        _recordTypes[_recordCount] = (byte)type;
        _recordCount++;
    }

    private void WriteTime(long monotonicNanoseconds)
    {
        // Delta to the previous record: about 1 ms between mouse frames fits in 5 bytes instead of 9.
        _writer.WriteInt64(monotonicNanoseconds - _previousNanoseconds);
        _previousNanoseconds = monotonicNanoseconds;
    }
}
