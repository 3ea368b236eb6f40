using EdgeCapture.Dataset.Layouts;
using EdgeCapture.Dataset.Timeline;
using EdgeCapture.Hid;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Video.Encoding;
using EdgeCapture.Video.Frames;
using EdgeCapture.Video.Simulation;

namespace EdgeCapture.Dataset.Tests;

/// <summary>
/// Measures how close the exported pointer coordinates are to where the host's pointer really was, on the simulated
/// desktop: the scripted user's mouse counts are what the box records; the host's pointer moves by those counts through
/// pointer acceleration (the gadget's documented <see cref="PointerAccelerationProfile"/>, which is what a desktop
/// gives a 1000 DPI mouse) and is clamped at the screen edges; the frame before every button press shows the pointer
/// there. The translator sees only the counts and the frames, as in a real export.
/// </summary>
internal static class PointerAccuracyMeasurement
{
    private const int Width = DesktopActivityScript.ScreenWidth;
    private const int Height = DesktopActivityScript.ScreenHeight;
    private static readonly long FrameLead = 30_000_000;

    /// <summary>Errors in pixels at every button press, with and without the frame correction, and where the host's pointer was (in the same order).</summary>
    internal sealed record Result(IReadOnlyList<double> Corrected, IReadOnlyList<double> Uncorrected, IReadOnlyList<(int X, int Y)> HostPointer, long Attempted, long Found)
    {
        /// <summary>Whether the host held its pointer's hotspot on the last column or row of the screen at press <paramref name="index"/>.</summary>
        public bool PinnedAtRightOrBottom(int index) => HostPointer[index].X == Width - 1 || HostPointer[index].Y == Height - 1;

        public static double Percentile(IReadOnlyList<double> values, double fraction)
        {
            double[] sorted = [.. values.Order()];
            return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(fraction * sorted.Length))];
        }

        public double Within(double pixels) => Corrected.Count == 0 ? 0 : (double)Corrected.Count(error => error <= pixels) / Corrected.Count;
    }

    public static Result Measure(IEnumerable<int> seeds, TimeSpan length, int jpegQuality = 75)
    {
        var corrected = new List<double>();
        var uncorrected = new List<double>();
        var hostPointer = new List<(int X, int Y)>();
        long attempted = 0;
        long found = 0;
        using var encoder = new JpegEncoder(new JpegEncodingOptions { Quality = jpegQuality });
        byte[] canvas = new byte[Width * 2 * Height];
        foreach (int seed in seeds)
        {
            (SegmentContents contents, List<(long Time, int X, int Y)> truth) = Record(seed, length, encoder, canvas);
            (List<EventRow> withFrames, SessionSummary summary) = Translate(contents, correct: true);
            (List<EventRow> withoutFrames, _) = Translate(contents, correct: false);
            attempted += summary.CorrectionsAttempted;
            found += summary.CorrectionsApplied;
            Collect(withFrames, truth, corrected, hostPointer);
            Collect(withoutFrames, truth, uncorrected, null);
        }

        return new Result(corrected, uncorrected, hostPointer, attempted, found);
    }

    private static void Collect(List<EventRow> rows, List<(long Time, int X, int Y)> truth, List<double> errors, List<(int X, int Y)>? hostPointer)
    {
        int index = 0;
        foreach (EventRow row in rows.Where(row => row.Action == "click" && row.Pressed == true))
        {
            while (truth[index].Time != row.TimeNanoseconds)
            {
                index++;
            }

            double dx = row.X!.Value - truth[index].X;
            double dy = row.Y!.Value - truth[index].Y;
            errors.Add(Math.Sqrt((dx * dx) + (dy * dy)));
            hostPointer?.Add((truth[index].X, truth[index].Y));
        }
    }

    /// <summary>The exported event rows of one simulated script, with the pointer found by <paramref name="locator"/>.</summary>
    public static List<EventRow> Rows(int seed, TimeSpan length, IPointerLocator locator)
    {
        using var encoder = new JpegEncoder(new JpegEncodingOptions { Quality = 75 });
        byte[] canvas = new byte[Width * 2 * Height];
        (SegmentContents contents, _) = Record(seed, length, encoder, canvas);
        return Translate(contents, locator).Rows;
    }

    private static (List<EventRow> Rows, SessionSummary Summary) Translate(SegmentContents contents, bool correct)
    {
        using PointerLocator? locator = correct ? new PointerLocator() : null;
        return Translate(contents, locator);
    }

    private static (List<EventRow> Rows, SessionSummary Summary) Translate(SegmentContents contents, IPointerLocator? locator)
    {
        var sink = new MemorySink();
        var translator = new SessionTranslator(sink, KeyboardLayout.UnitedStates, locator);
        translator.BeginSession(contents.Header.SessionId, contents.Header);
        translator.Segment(contents);
        return (sink.Events, translator.EndSession());
    }

    /// <summary>The box's view (mouse records, a frame before each press) and the host's truth at each mouse record.</summary>
    private static (SegmentContents Contents, List<(long Time, int X, int Y)> Truth) Record(int seed, TimeSpan length, JpegEncoder encoder, byte[] canvas)
    {
        const long Start = 1_000_000_000_000;
        DesktopActivityScript script = DesktopActivityScript.CreateDefault(seed, length);
        var host = new AbsolutePointerTracker(Width, Height, new PointerAccelerationProfile());
        var records = new List<SegmentRecord>();
        var truth = new List<(long, int, int)>();
        var hostTrail = new List<(long Time, int X, int Y)> { (0, host.X, host.Y) };
        MouseButtons buttons = MouseButtons.None;
        int dx = 0, dy = 0, wheel = 0, pan = 0;
        foreach (EvdevEvent input in DesktopActivityEvdev.MouseEvents(script, Start))
        {
            switch (input.Type)
            {
                case EventTypes.Relative when input.Code == RelativeAxes.X:
                    dx += input.Value;
                    break;
                case EventTypes.Relative when input.Code == RelativeAxes.Y:
                    dy += input.Value;
                    break;
                case EventTypes.Relative when input.Code == RelativeAxes.Wheel:
                    wheel += input.Value;
                    break;
                case EventTypes.Relative when input.Code == RelativeAxes.HorizontalWheel:
                    pan += input.Value;
                    break;
                case EventTypes.Key:
                    MouseButtons button = input.Code == ButtonCodes.Right ? MouseButtons.Right : input.Code == ButtonCodes.Middle ? MouseButtons.Middle : MouseButtons.Left;
                    buttons = input.Value != 0 ? buttons | button : buttons & ~button;
                    if (input.Value != 0)
                    {
                        // The capture stage keeps a frame from just before each action: the host's pointer as it was then.
                        (long _, int frameX, int frameY) = hostTrail.Last(point => point.Time <= input.TimestampNanoseconds - FrameLead);
                        records.Add(RenderFrame(input.TimestampNanoseconds - FrameLead, frameX, frameY, encoder, canvas));
                    }

                    break;
                case EventTypes.Synchronization:
                    host.Move(dx, dy, input.TimestampNanoseconds);
                    hostTrail.Add((input.TimestampNanoseconds, host.X, host.Y));
                    records.Add(new MouseRecord(input.TimestampNanoseconds, buttons, dx, dy, wheel, pan));
                    truth.Add((input.TimestampNanoseconds, host.X, host.Y));
                    (dx, dy, wheel, pan) = (0, 0, 0, 0);
                    break;
                default:
                    break;
            }
        }

        // Frames were added when their press was seen: put everything in time order, as the recorder does.
        SegmentRecord[] ordered = [.. records.OrderBy(record => record.MonotonicNanoseconds)];
        var header = new SegmentHeader(SegmentFormat.Version, "accuracy", Guid.CreateVersion7(), 0, Start, 1_750_000_000_000_000_000, new ScreenDescription(Width, Height, "jpeg"), []);
        return (new SegmentContents(header, ordered, new SegmentTrailer(ordered.Length, Start + (long)(length.TotalMilliseconds * 1_000_000), SessionEndReason.Shutdown)), truth);
    }

    private static FrameRecord RenderFrame(long time, int pointerX, int pointerY, JpegEncoder encoder, byte[] canvas) =>
        new(time, Width, Height, "jpeg", 2, RenderDesktop(pointerX, pointerY, desktopSeed: 5, encoder, canvas));

    /// <summary>The simulated desktop (its <paramref name="desktopSeed"/>) with the arrow at (<paramref name="pointerX"/>, <paramref name="pointerY"/>), as a JPEG; <paramref name="canvas"/> holds Width x Height UYVY pixels.</summary>
    internal static byte[] RenderDesktop(int pointerX, int pointerY, int desktopSeed, JpegEncoder encoder, byte[] canvas)
    {
        var still = new DesktopActivityScript([], TimeSpan.FromSeconds(1), pointerX, pointerY);
        new SimulatedDesktop(still, desktopSeed).Render(TimeSpan.Zero, canvas, Width, Height, Width * 2);
        return encoder.EncodePacked(canvas, PixelLayout.Uyvy, Width, Height, Width * 2, out _, out _).ToArray();
    }
}
