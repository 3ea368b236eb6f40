using System.Text;
using System.Text.Json;
using EdgeCapture.Dataset.Timeline;

namespace EdgeCapture.Dataset.Output;

/// <summary>
/// Writes each session as DuckTrack and AgentNet write a recording: <c>raw/{session}/metadata.json</c>,
/// <c>events.jsonl</c> (DuckTrack's fields per action, plus the HID usage, the monotonic time and the coordinate
/// source), <c>frames/{t_ns}.jpg</c> (the sealed JPEGs as they are) and <c>trajectory.jsonl</c> (the steps, AgentNet's
/// code and 0-1 coordinates, frames by file name).
/// </summary>
internal sealed class RawFolderSink : IDatasetSink, IDisposable
{
    private static readonly JsonWriterOptions LineOptions = new() { Indented = false, SkipValidation = false };
    private readonly string _root;
    private readonly string _layout;
    private string _sessionDirectory = string.Empty;
    private SessionInfo? _session;
    private Stream? _events;
    private Stream? _trajectory;
    private Utf8JsonWriter? _writer;
    private readonly HashSet<long> _framesWritten = [];

    public RawFolderSink(string root, string layout)
    {
        _root = Path.Combine(root, "raw");
        _layout = layout;
        Directory.CreateDirectory(_root);
    }

    public void BeginSession(SessionInfo session)
    {
        _session = session;
        _sessionDirectory = Path.Combine(_root, session.SessionId.ToString("D"));
        Directory.CreateDirectory(Path.Combine(_sessionDirectory, "frames"));
        _events = new FileStream(Path.Combine(_sessionDirectory, "events.jsonl"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        _trajectory = new FileStream(Path.Combine(_sessionDirectory, "trajectory.jsonl"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        _writer = new Utf8JsonWriter(_events, LineOptions);
        _framesWritten.Clear();
    }

    public void Event(in EventRow row)
    {
        Utf8JsonWriter writer = Line(_events!);
        writer.WriteStartObject();
        writer.WriteNumber("time_stamp", row.WallClockNanoseconds / 1e9);
        writer.WriteString("action", row.Action);
        switch (row.Action)
        {
            case "move":
                writer.WriteNumber("x", row.X!.Value);
                writer.WriteNumber("y", row.Y!.Value);
                writer.WriteNumber("dx", row.DeltaX!.Value);
                writer.WriteNumber("dy", row.DeltaY!.Value);
                break;
            case "click":
                writer.WriteNumber("x", row.X!.Value);
                writer.WriteNumber("y", row.Y!.Value);
                writer.WriteString("button", "Button." + row.Button);
                writer.WriteBoolean("pressed", row.Pressed!.Value);
                break;
            case "scroll":
                writer.WriteNumber("x", row.X!.Value);
                writer.WriteNumber("y", row.Y!.Value);
                writer.WriteNumber("dx", row.DeltaX!.Value);
                writer.WriteNumber("dy", row.DeltaY!.Value);
                break;
            case "press" or "release":
                writer.WriteString("name", row.Key);
                writer.WriteNumber("hid_usage_page", row.UsagePage!.Value);
                writer.WriteNumber("hid_usage_id", row.UsageId!.Value);
                break;
            default:
                writer.WriteString("marker", row.Marker);
                break;
        }

        writer.WriteNumber("t_ns", row.TimeNanoseconds);
        if (row.CoordinateSource is not null)
        {
            writer.WriteString("coordinate_source", row.CoordinateSource);
        }

        if (row.CorrectionX is not null)
        {
            writer.WriteNumber("correction_dx", row.CorrectionX.Value);
            writer.WriteNumber("correction_dy", row.CorrectionY!.Value);
        }

        writer.WriteEndObject();
        EndLine(writer, _events!);
    }

    public void Frame(FrameReference frame)
    {
        if (_framesWritten.Add(frame.TimeNanoseconds))
        {
            using var file = new FileStream(Path.Combine(_sessionDirectory, "frames", frame.FileName), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            file.Write(frame.Jpeg.Span);
        }
    }

    public void Step(StepRow step)
    {
        Utf8JsonWriter writer = Line(_trajectory!);
        writer.WriteStartObject();
        writer.WriteNumber("index", step.Index);
        writer.WriteString("image", step.FrameBefore is null ? null : "frames/" + step.FrameBefore.FileName);
        writer.WriteString("image_after", step.FrameAfter is null ? null : "frames/" + step.FrameAfter.FileName);
        writer.WriteStartObject("value");
        writer.WriteString("action", step.Action);
        writer.WriteString("code", step.Code);
        WriteOptional(writer, "x", step.X);
        WriteOptional(writer, "y", step.Y);
        WriteOptional(writer, "end_x", step.EndX);
        WriteOptional(writer, "end_y", step.EndY);
        if (step.Text is not null)
        {
            writer.WriteString("text", step.Text);
        }

        if (step.Keys is not null)
        {
            writer.WriteString("keys", step.Keys);
        }

        if (step.Amount is not null)
        {
            writer.WriteNumber("amount", step.Amount.Value);
        }

        if (step.CoordinateSource is not null)
        {
            writer.WriteString("coordinate_source", step.CoordinateSource);
        }

        writer.WriteEndObject();
        writer.WriteNumber("time_stamp", step.StartWallClockNanoseconds / 1e9);
        writer.WriteNumber("t_start_ns", step.StartNanoseconds);
        writer.WriteNumber("t_end_ns", step.EndNanoseconds);
        writer.WriteEndObject();
        EndLine(writer, _trajectory!);
    }

    public void EndSession(SessionSummary summary)
    {
        SessionInfo session = _session!;
        _writer?.Dispose();
        _writer = null;
        _events?.Dispose();
        _trajectory?.Dispose();
        _events = null;
        _trajectory = null;
        using var metadata = new FileStream(Path.Combine(_sessionDirectory, "metadata.json"), FileMode.CreateNew, FileAccess.Write, FileShare.None);
        using var writer = new Utf8JsonWriter(metadata, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("session_id", session.SessionId.ToString("D"));
        writer.WriteString("device_id", session.DeviceId);
        writer.WriteNumber("screen_width", session.ScreenWidth);
        writer.WriteNumber("screen_height", session.ScreenHeight);
        writer.WriteBoolean("screen_size_known", session.ScreenKnown);
        writer.WriteNumber("start_time", summary.WallClockStartNanoseconds / 1e9);
        writer.WriteNumber("stop_time", summary.WallClockEndNanoseconds / 1e9);
        writer.WriteNumber("video_start_timestamp", summary.WallClockStartNanoseconds / 1e9);
        writer.WriteNumber("monotonic_start_ns", session.MonotonicStartNanoseconds);
        writer.WriteString("keyboard_layout", _layout);
        writer.WriteStartArray("coordinate_sources");
        foreach (string source in summary.CoordinateSources)
        {
            writer.WriteStringValue(source);
        }

        writer.WriteEndArray();
        writer.WriteNumber("segments", summary.Segments);
        writer.WriteNumber("events", summary.Events);
        writer.WriteNumber("steps", summary.Steps);
        writer.WriteNumber("frames", summary.Frames);
        writer.WriteString("recorder", "EdgeCapture");
        writer.WriteEndObject();
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _events?.Dispose();
        _trajectory?.Dispose();
    }

    private Utf8JsonWriter Line(Stream stream)
    {
        _writer!.Reset(stream);
        return _writer;
    }

    private static void EndLine(Utf8JsonWriter writer, Stream stream)
    {
        writer.Flush();
        stream.WriteByte((byte)'\n');
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is not null)
        {
            writer.WriteNumber(name, value.Value);
        }
    }
}
