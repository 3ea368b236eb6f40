using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Privacy;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Video;

namespace EdgeCapture.Recording.Tests;

/// <summary>Each recorder stage on its own, without an outbox: the pending gate, the horizons, the mouse accumulation.</summary>
public sealed class RecorderStageTests
{
    /// <summary>A scripted gate: recordable before <see cref="ConfirmedUntil"/>, pending after, not recordable inside <see cref="Private"/>.</summary>
    private sealed class ScriptedGate : IPrivacyGate
    {
        public long ConfirmedUntil;
        public (long From, long Until) Private = (long.MaxValue, long.MaxValue);

        public GateDecision Decide(long monotonicNanoseconds) =>
            monotonicNanoseconds >= Private.From && monotonicNanoseconds < Private.Until ? GateDecision.NotRecordable
            : monotonicNanoseconds < ConfirmedUntil ? GateDecision.Recordable
            : GateDecision.Pending;

        public IDisposable Subscribe(Action<PrivacyTransition> observer) => throw new NotSupportedException();
    }

    private sealed class Collector : IGatedItemTarget, IMouseReportTarget
    {
        public List<long> Events { get; } = [];
        public List<CaptureRecord> Captures { get; } = [];
        public List<MouseReport> Reports { get; } = [];
        public bool CanWrite { get; set; } = true;

        public void AcceptEvent(in InputTapEvent inputEvent) => Events.Add(inputEvent.MonotonicNanoseconds);

        public void AcceptCapture(CaptureRecord record) => Captures.Add(record);

        public void WriteMouse(in MouseReport report) => Reports.Add(report);
    }

    private static InputTapEvent Key(long time) => new(time, 1, InputDeviceKind.Keyboard, EventTypes.Key, 30, 1);

    private static InputTapEvent Mouse(long time, ushort type, ushort code, int value, int device = 2) => new(time, device, InputDeviceKind.Mouse, type, code, value);

    private static CapturedFrame Frame(long time) => CapturedFrame.Create(time, time, 4, 4, CapturedFrameFormat.Jpeg, FrameKeepReason.First, [0xFF, 0xD8, 0xFF, 0xD9]);

    [Fact]
    public void Pending_items_are_held_in_order_and_let_through_once_confirmed()
    {
        var counters = new RecorderCounters();
        var gate = new ScriptedGate { ConfirmedUntil = 10 };
        var pending = new PendingGate(gate, eventCapacity: 8, frameCapacity: 2, counters);
        var target = new Collector();

        pending.OfferEvent(Key(5), target);
        pending.OfferEvent(Key(20), target);
        pending.OfferEvent(Key(15), target);
        Assert.Equal([5L], target.Events);
        Assert.Equal(2, pending.PendingEventCount);

        // The later item is confirmed first, but it waits behind the older one: order never changes.
        gate.ConfirmedUntil = 16;
        pending.Drain(target);
        Assert.Equal([5L], target.Events);
        gate.ConfirmedUntil = 30;
        pending.Drain(target);
        Assert.Equal([5L, 20L, 15L], target.Events);
        Assert.Equal(0, pending.PendingEventCount);
    }

    [Fact]
    public void Not_recordable_is_dropped_at_once_and_counted_and_held_items_that_turn_private_are_dropped_too()
    {
        var counters = new RecorderCounters();
        var gate = new ScriptedGate { ConfirmedUntil = 10, Private = (100, 200) };
        var pending = new PendingGate(gate, eventCapacity: 8, frameCapacity: 2, counters);
        var target = new Collector();

        pending.OfferEvent(Key(150), target);
        Assert.Equal(1, counters.EventsGated);
        pending.OfferEvent(Key(50), target);

        // Held, then the gate shut over it: the switch wins.
        gate.Private = (40, 200);
        gate.ConfirmedUntil = 300;
        pending.Drain(target);
        Assert.Empty(target.Events);
        Assert.Equal(2, counters.EventsGated);
    }

    [Fact]
    public void A_full_hold_drops_and_counts_instead_of_growing_and_frames_are_released()
    {
        var counters = new RecorderCounters();
        var gate = new ScriptedGate { ConfirmedUntil = 0 };
        var pending = new PendingGate(gate, eventCapacity: 2, frameCapacity: 1, counters);
        var target = new Collector();
        for (int index = 0; index < 5; index++)
        {
            pending.OfferEvent(Key(10 + index), target);
        }

        CapturedFrame first = Frame(10);
        CapturedFrame second = Frame(11);
        pending.OfferCapture(first, target);
        pending.OfferCapture(second, target);
        Assert.Equal(3, counters.EventsDroppedByRecorder);
        Assert.Equal(1, counters.FramesDropped);
        Assert.Throws<ObjectDisposedException>(() => second.EncodedBytes);

        // Stop: what is still held could not be confirmed public.
        pending.RefuseAll();
        Assert.Equal(2, counters.EventsGated);
        Assert.Equal(1, counters.FramesGated);
        Assert.Throws<ObjectDisposedException>(() => first.EncodedBytes);
        Assert.Empty(target.Events);
        Assert.Empty(target.Captures);
    }

    [Fact]
    public void Forgetting_drops_everything_held_as_forgotten()
    {
        var counters = new RecorderCounters();
        var pending = new PendingGate(new ScriptedGate(), eventCapacity: 4, frameCapacity: 2, counters);
        var target = new Collector();
        pending.OfferEvent(Key(1), target);
        pending.OfferEvent(Key(2), target);
        CapturedFrame frame = Frame(3);
        pending.OfferCapture(frame, target);
        pending.Forget();
        Assert.Equal(2, counters.EventsForgotten);
        Assert.Equal(1, counters.FramesDropped);
        Assert.Equal(0, pending.PendingEventCount);
        Assert.Throws<ObjectDisposedException>(() => frame.EncodedBytes);
    }

    [Theory]
    [InlineData(99, false, false, (int)HorizonVerdict.Forgotten)]
    [InlineData(150, false, false, (int)HorizonVerdict.BehindCut)]
    [InlineData(250, false, true, (int)HorizonVerdict.StorageFull)]
    [InlineData(250, false, false, (int)HorizonVerdict.Admitted)]
    [InlineData(200, true, false, (int)HorizonVerdict.Admitted)]
    [InlineData(150, true, false, (int)HorizonVerdict.BehindCut)]
    public void Horizons_refuse_what_was_forgotten_or_cut_and_everything_while_storage_is_full(long time, bool isFrame, bool storageFull, int expectedVerdict)
    {
        var expected = (HorizonVerdict)expectedVerdict;
        var counters = new RecorderCounters();
        var horizons = new RecordingHorizons(counters);
        horizons.AdvanceForget(100);
        horizons.AdvanceCut(200);
        horizons.AdvanceCut(50);
        Assert.Equal(200, horizons.CutHorizon);
        Assert.Equal(expected, horizons.Admit(time, isFrame, storageFull));
        long refused = expected == HorizonVerdict.Admitted ? 0 : 1;
        Assert.Equal(isFrame ? refused : 0, counters.FramesDropped);
        Assert.Equal(!isFrame && expected == HorizonVerdict.Forgotten ? 1 : 0, counters.EventsForgotten);
        Assert.Equal(!isFrame && expected == HorizonVerdict.BehindCut ? 1 : 0, counters.EventsDroppedByRecorder);
        Assert.Equal(!isFrame && expected == HorizonVerdict.StorageFull ? 1 : 0, counters.EventsLostToStorage);
    }

    [Fact]
    public void Mouse_frames_fold_into_one_report_per_syn_report_per_device()
    {
        var devices = new List<int>();
        var mice = new MouseAccumulation((id, _) => devices.Add(id));
        var target = new Collector();
        mice.Relative(2, InputDeviceKind.Mouse, RelativeAxes.X, 3, 10);
        mice.Relative(2, InputDeviceKind.Mouse, RelativeAxes.X, 4, 11);
        mice.Relative(2, InputDeviceKind.Mouse, RelativeAxes.Y, -2, 11);
        Assert.False(mice.Relative(2, InputDeviceKind.Mouse, RelativeAxes.WheelHighResolution, 120, 11));
        mice.Relative(2, InputDeviceKind.Mouse, RelativeAxes.Wheel, 1, 11);
        mice.Button(2, InputDeviceKind.Mouse, 0x110, true, 11);
        mice.Relative(3, InputDeviceKind.Mouse, RelativeAxes.HorizontalWheel, -1, 12);
        mice.Report(2, 12, target);

        Assert.Equal([new MouseReport(12, MouseButtons.Left, 7, -2, 1, 0)], target.Reports);
        Assert.Equal([2, 3], devices);

        // Nothing new: no report. SYN_DROPPED discards the partial frame but keeps the buttons held.
        mice.Report(2, 13, target);
        mice.Relative(2, InputDeviceKind.Mouse, RelativeAxes.X, 9, 14);
        mice.Dropped(2);
        mice.Report(2, 15, target);
        Assert.Single(target.Reports);
        mice.Button(2, InputDeviceKind.Mouse, 0x111, true, 16);
        mice.Report(2, 16, target);
        Assert.Equal(new MouseReport(16, MouseButtons.Left | MouseButtons.Right, 0, 0, 0, 0), target.Reports[^1]);
    }

    [Fact]
    public void Absolute_positions_ride_with_their_frame_and_a_frame_without_one_reports_none()
    {
        var mice = new MouseAccumulation((_, _) => { });
        var target = new Collector();
        mice.Relative(2, InputDeviceKind.Mouse, RelativeAxes.X, 3, 10);
        Assert.True(mice.Absolute(2, InputDeviceKind.Mouse, AbsoluteAxes.X, 100, 10));
        Assert.True(mice.Absolute(2, InputDeviceKind.Mouse, AbsoluteAxes.Y, 50, 10));
        Assert.False(mice.Absolute(2, InputDeviceKind.Mouse, 0x28, 7, 10));
        mice.Report(2, 11, target);
        Assert.Equal([new MouseReport(11, MouseButtons.None, 3, 0, 0, 0, HasMotion: true, HasPosition: true, X: 100, Y: 50)], target.Reports);

        // A frame that only moved the position (the pointer at an edge) still reports it; one without EV_ABS reports none.
        mice.Absolute(2, InputDeviceKind.Mouse, AbsoluteAxes.X, 1919, 12);
        Assert.True(mice.HasUnreported);
        mice.Report(2, 12, target);
        Assert.Equal(new MouseReport(12, MouseButtons.None, 0, 0, 0, 0, HasMotion: false, HasPosition: true, X: 1919, Y: 50), target.Reports[^1]);
        mice.Relative(2, InputDeviceKind.Mouse, RelativeAxes.Y, 1, 13);
        mice.Report(2, 13, target);
        Assert.False(target.Reports[^1].HasPosition);

        // At a privacy boundary a position after it is discarded with the motion.
        mice.Absolute(2, InputDeviceKind.Mouse, AbsoluteAxes.X, 5, 120);
        int reports = target.Reports.Count;
        mice.Flush(100, target);
        Assert.Equal(reports, target.Reports.Count);
        Assert.False(mice.HasUnreported);
    }

    [Fact]
    public void A_boundary_keeps_a_frame_whose_events_all_came_before_it_and_discards_the_rest()
    {
        var mice = new MouseAccumulation((_, _) => { });
        var target = new Collector();
        mice.Relative(2, InputDeviceKind.Mouse, RelativeAxes.X, 5, 90);
        mice.Relative(3, InputDeviceKind.Mouse, RelativeAxes.X, 6, 110);
        Assert.True(mice.HasUnreported);
        mice.Flush(100, target);
        Assert.Equal([new MouseReport(90, MouseButtons.None, 5, 0, 0, 0)], target.Reports);
        Assert.False(mice.HasUnreported);

        // While storage is full nothing is written, and the motion is still discarded.
        target.CanWrite = false;
        mice.Relative(2, InputDeviceKind.Mouse, RelativeAxes.X, 5, 120);
        mice.Flush(200, target);
        Assert.Single(target.Reports);
        Assert.False(mice.HasUnreported);
    }
}
