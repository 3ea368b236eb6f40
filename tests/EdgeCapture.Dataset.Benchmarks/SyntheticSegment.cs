using System.Formats.Cbor;
using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Dataset.Benchmarks;

/// <summary>
/// Writes one segment plaintext exactly as SEGMENT-FORMAT.md specifies it (canonical CBOR sequence: header, body
/// records with time deltas, trailer), so the benchmark can seal sessions of any size without running the recorder
/// for that long.
/// </summary>
internal sealed class SyntheticSegment
{
    private const long MonotonicOrigin = 1_000_000_000_000;
    private readonly CborWriter _writer = new(CborConformanceMode.Canonical, allowMultipleRootLevelValues: true);
    private long _previous;
    private long _keys;
    private long _mouse;
    private long _frames;

    public SyntheticSegment(string deviceId, Guid sessionId, int index, long anchor, long wallClockOrigin)
    {
        _previous = anchor;
        _writer.WriteStartArray(9);
        _writer.WriteInt32(0);
        _writer.WriteInt32(SegmentFormat.Version);
        _writer.WriteTextString(deviceId);
        byte[] id = new byte[16];
        sessionId.TryWriteBytes(id, bigEndian: true, out _);
        _writer.WriteByteString(id);
        _writer.WriteInt32(index);
        _writer.WriteInt64(anchor);
        _writer.WriteInt64(wallClockOrigin + (anchor - MonotonicOrigin));
        _writer.WriteStartArray(3);
        _writer.WriteInt32(1920);
        _writer.WriteInt32(1080);
        _writer.WriteTextString("jpeg");
        _writer.WriteEndArray();
        _writer.WriteStartArray(0);
        _writer.WriteEndArray();
        _writer.WriteEndArray();
    }

    public RecordCounts Counts => new(_keys, _mouse, _frames, 0);

    public void Key(long time, ushort usage, bool down)
    {
        Start(1, 5, time);
        _writer.WriteInt32(7);
        _writer.WriteInt32(usage);
        _writer.WriteBoolean(down);
        _writer.WriteEndArray();
        _keys++;
    }

    public void Mouse(long time, MouseButtons buttons, int dx, int dy, int wheel)
    {
        Start(2, 7, time);
        _writer.WriteInt32((int)buttons);
        _writer.WriteInt32(dx);
        _writer.WriteInt32(dy);
        _writer.WriteInt32(wheel);
        _writer.WriteInt32(0);
        _writer.WriteEndArray();
        _mouse++;
    }

    /// <summary>The absolute pointer position after the mouse record just written (counted with the mouse records, as the recorder counts it).</summary>
    public void Position(long time, int x, int y)
    {
        Start(5, 4, time);
        _writer.WriteInt32(x);
        _writer.WriteInt32(y);
        _writer.WriteEndArray();
        _mouse++;
    }

    public void Frame(long time, byte[] jpeg)
    {
        Start(3, 7, time);
        _writer.WriteInt32(1920);
        _writer.WriteInt32(1080);
        _writer.WriteTextString("jpeg");
        _writer.WriteInt32(8);
        _writer.WriteByteString(jpeg);
        _writer.WriteEndArray();
        _frames++;
    }

    public byte[] Finish(long end, SessionEndReason reason)
    {
        _writer.WriteStartArray(4);
        _writer.WriteInt32(15);
        _writer.WriteInt64(_keys + _mouse + _frames);
        _writer.WriteInt64(end);
        _writer.WriteInt32((int)reason);
        _writer.WriteEndArray();
        return _writer.Encode();
    }

    private void Start(int type, int count, long time)
    {
        _writer.WriteStartArray(count);
        _writer.WriteInt32(type);
        _writer.WriteInt64(time - _previous);
        _previous = time;
    }
}
