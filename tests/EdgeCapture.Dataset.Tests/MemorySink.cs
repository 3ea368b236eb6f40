using EdgeCapture.Dataset.Layouts;
using EdgeCapture.Dataset.Timeline;
using EdgeCapture.Hid;
using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Dataset.Tests;

/// <summary>Keeps a translated session's rows in memory, and builds small sessions record by record.</summary>
internal sealed class MemorySink : IDatasetSink
{
    public List<EventRow> Events { get; } = [];

    public List<StepRow> Steps { get; } = [];

    public List<FrameReference> Frames { get; } = [];

    public void BeginSession(SessionInfo session)
    {
    }

    public void Event(in EventRow row) => Events.Add(row);

    public void Frame(FrameReference frame) => Frames.Add(frame);

    public void Step(StepRow step) => Steps.Add(step);

    public void EndSession(SessionSummary summary)
    {
    }

    /// <summary>Translates one segment made of <paramref name="records"/> (1920x1080 screen, no frames unless given).</summary>
    public static MemorySink Translate(IReadOnlyList<SegmentRecord> records, KeyboardLayout? layout = null, IPointerLocator? locator = null)
    {
        var header = new SegmentHeader(SegmentFormat.Version, "test", Guid.CreateVersion7(), 0, 0, 1_750_000_000_000_000_000, new ScreenDescription(1920, 1080, "jpeg"), []);
        var contents = new SegmentContents(header, records, new SegmentTrailer(records.Count, records.Count == 0 ? 0 : records[^1].MonotonicNanoseconds + 1, SessionEndReason.Shutdown));
        var sink = new MemorySink();
        var translator = new SessionTranslator(sink, layout ?? KeyboardLayout.UnitedStates, locator);
        translator.BeginSession(header.SessionId, header);
        translator.Segment(contents);
        translator.EndSession();
        return sink;
    }
}

/// <summary>Builds records at increasing times.</summary>
internal sealed class RecordScript
{
    private long _time = 1_000_000;

    public List<SegmentRecord> Records { get; } = [];

    public RecordScript Wait(double milliseconds)
    {
        _time += (long)(milliseconds * 1_000_000);
        return this;
    }

    public RecordScript Key(ushort usage, bool down)
    {
        Records.Add(new KeyRecord(_time, new HidUsage(HidUsagePage.KeyboardKeypad, usage), down));
        return Wait(20);
    }

    public RecordScript Tap(ushort usage) => Key(usage, true).Key(usage, false);

    public RecordScript Chord(params ushort[] usages)
    {
        foreach (ushort usage in usages)
        {
            Key(usage, true);
        }

        foreach (ushort usage in usages.Reverse())
        {
            Key(usage, false);
        }

        return this;
    }

    public RecordScript Shifted(ushort usage) => Key(0xE1, true).Tap(usage).Key(0xE1, false);

    public RecordScript Mouse(MouseButtons buttons, int dx = 0, int dy = 0, int wheel = 0, int pan = 0)
    {
        Records.Add(new MouseRecord(_time, buttons, dx, dy, wheel, pan));
        return Wait(8);
    }

    /// <summary>A frame stamped <paramref name="aheadMilliseconds"/> after now, written now: the recorder writes records as its
    /// gates admit them, so a frame can come before records stamped earlier than it. Time does not advance.</summary>
    public RecordScript Frame(double aheadMilliseconds = 0, int width = 64, int height = 36)
    {
        Records.Add(new FrameRecord(_time + (long)(aheadMilliseconds * 1_000_000), width, height, "jpeg", 0, new byte[] { 0xFF, 0xD8, (byte)Records.Count }));
        return this;
    }

    /// <summary>The absolute pointer position of the mouse record just added (absolute pointer mode), at its time.</summary>
    public RecordScript Position(int x, int y)
    {
        Records.Add(new PointerPositionRecord(Records[^1].MonotonicNanoseconds, x, y));
        return this;
    }

    public RecordScript Marker(MarkerKind kind, long value = 0, long detail = 0)
    {
        Records.Add(new MarkerRecord(_time, kind, value, detail));
        return Wait(10);
    }
}
