using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Linux;
using EdgeCapture.Relay.Gadget;
using static EdgeCapture.Relay.Tests.Events;
using static EdgeCapture.Relay.Tests.Reports;

namespace EdgeCapture.Relay.Tests;

/// <summary>Keys typed at an absent host are not typed later; the held state is re-sent on return; transitions are published.</summary>
public sealed class HostAwayTests
{
    private const byte LeftShift = 0x02;
    private static readonly string Released = Keyboard(0);
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    // S, E, C, R, T, P, A, W on the Keyboard page.
    private static readonly byte[] SecretUsages = [0x16, 0x08, 0x06, 0x15, 0x17, 0x13, 0x04, 0x1A];

    private static bool HoldsSecret(string report) => Convert.FromHexString(report).Skip(2).Any(usage => SecretUsages.Contains(usage));

    private static List<HostTransition> Transitions(RelayRig rig)
    {
        var transitions = new List<HostTransition>();
        while (rig.Relay.HostTransitions.TryRead(out HostTransition transition))
        {
            transitions.Add(transition);
        }

        return transitions;
    }

    [Fact]
    public void Keys_typed_while_the_host_stopped_polling_past_the_stall_limit_are_never_typed_later()
    {
        using var rig = new RelayRig(pipeSize: 4096, hostsReading: false);
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);

        // 300 taps fill the 512-report pipe: the writer meets EAGAIN, a short stall, and queues in order.
        var fill = new List<EvdevEvent>();
        for (int tap = 0; tap < 300; tap++)
        {
            fill.AddRange(Tap(KeyCodes.Q));
        }

        keyboard.Write([.. fill]);
        rig.Sink.WaitFor("frame", 600);
        Assert.True(SpinWait.SpinUntil(() => rig.Relay.Counters.WouldBlock >= 1, HangGuard), "hang guard");
        keyboard.Write([.. Tap(KeyCodes.S), .. Tap(KeyCodes.E), .. Tap(KeyCodes.C), .. Tap(KeyCodes.R), .. Tap(KeyCodes.E), .. Tap(KeyCodes.T)]);
        rig.Sink.WaitFor("frame", 12);

        // The host takes nothing for longer than the stall limit: it is away, and what waited for it is dropped.
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(SpinWait.SpinUntil(() => rig.Relay.Counters.Stalls >= 1, HangGuard), "hang guard");
        keyboard.Write([.. Tap(KeyCodes.P), .. Tap(KeyCodes.A), .. Tap(KeyCodes.S), .. Tap(KeyCodes.S), .. Tap(KeyCodes.W), Key(KeyCodes.LeftShift, 1), Report()]);
        rig.Sink.WaitFor("frame", 11);

        // Still not polling: every re-send of the held state stalls past the limit too, and takes what queued behind it along.
        Assert.True(SpinWait.SpinUntil(() => { rig.Time.Advance(TimeSpan.FromMilliseconds(500)); return rig.Relay.Counters.Stalls >= 2; }, HangGuard), "hang guard");

        // The host polls again: it gets what the pipe held, then the held state (Shift), never the secret.
        rig.KeyboardHost.StartReading();
        var received = new List<string>();
        Assert.True(
            SpinWait.SpinUntil(
                () =>
                {
                    rig.Time.Advance(TimeSpan.FromMilliseconds(250));
                    while (rig.KeyboardHost.TryNext(out byte[] report))
                    {
                        received.Add(Hex(report));
                    }

                    return received.Count > 0 && received[^1] == Keyboard(LeftShift);
                },
                HangGuard),
            $"{received.Count} reports, last {(received.Count > 0 ? received[^1] : "none")}");

        Assert.DoesNotContain(received, HoldsSecret);
        int firstShift = received.FindIndex(report => report == Keyboard(LeftShift));
        Assert.All(received.Take(firstShift), report => Assert.True(report == Keyboard(0, 0x14) || report == Released, report));
        Assert.True(rig.Relay.Counters.TransitionsNotQueued >= 1, $"not queued {rig.Relay.Counters.TransitionsNotQueued}");
        List<HostTransition> transitions = Transitions(rig);
        Assert.Equal((HostTransitionKind.Away, HostAwayReason.Stalled), (transitions[0].Kind, transitions[0].Reason));
        Assert.Equal(HostTransitionKind.Back, transitions[^1].Kind);
        Assert.Equal(1, rig.Relay.Counters.HostAway);
        Assert.Equal(1, rig.Relay.Counters.HostReturns);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_suspended_host_gets_no_queued_keys_a_press_signals_remote_wakeup_where_offered_and_resume_resends_the_held_state(bool offersWakeup)
    {
        var udc = new SimulatedUdc { OffersRemoteWakeup = offersWakeup };
        using var rig = new RelayRig(udc: udc);
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);
        keyboard.Write(Tap(KeyCodes.Z));
        Assert.Equal(Keyboard(0, 0x1D), Hex(rig.KeyboardHost.Next()));
        Assert.Equal(Released, Hex(rig.KeyboardHost.Next()));
        rig.Sink.WaitFor("frame", 2); // the tap's two frames: no stale signal may stand in for a later frame

        // The laptop sleeps. f_hid would still take one report; the UDC state says suspended.
        udc.State = UdcState.Suspended;
        rig.Time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.True(SpinWait.SpinUntil(() => rig.Relay.IsHostAway, HangGuard), "hang guard");
        keyboard.Write([.. Tap(KeyCodes.P), .. Tap(KeyCodes.W), Key(KeyCodes.LeftShift, 1), Report()]);
        rig.Sink.WaitFor("frame", 5);
        Assert.True(SpinWait.SpinUntil(() => rig.Relay.Counters.TransitionsNotQueued == 5, HangGuard), $"not queued {rig.Relay.Counters.TransitionsNotQueued}");
        if (offersWakeup)
        {
            Assert.True(SpinWait.SpinUntil(() => rig.Relay.Counters.RemoteWakeups == 1, HangGuard), "hang guard");
        }

        udc.State = UdcState.Configured;
        rig.Time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(Keyboard(LeftShift), Hex(rig.KeyboardHost.Next()));
        keyboard.Write(Key(KeyCodes.LeftShift, 0), Report());
        rig.Finish();

        Assert.Equal([Released, Released], rig.KeyboardHost.ReadToEnd().Select(Hex));
        Assert.Equal(offersWakeup ? 1 : 0, rig.Relay.Counters.RemoteWakeups);   // three presses, one request per interval
        Assert.Equal(offersWakeup ? 1 : 0, udc.Wakeups);
        List<HostTransition> transitions = Transitions(rig);
        Assert.Equal(
            [(HostTransitionKind.Away, HostAwayReason.Suspended), (HostTransitionKind.Resumed, HostAwayReason.Suspended)],
            transitions.Select(transition => (transition.Kind, transition.Reason)));
        Assert.True(transitions[1].MonotonicNanoseconds >= transitions[0].MonotonicNanoseconds);
    }

    [Fact]
    public void A_rebuilt_gadget_is_followed_to_its_new_device_and_the_return_is_a_re_enumeration()
    {
        using var tree = new GadgetTree();
        string firstNode = Fifo.Create(tree.Combine("devices", "hidg0"));
        tree.AddFunction("hid.usb0", 237, 0, "hidg0");
        tree.Bind("configured");
        var source = new ConfigFsEndpointSource(tree.Gadget);
        FaultyEndpoint? first = null;
        using var firstHost = new SimulatedHost(firstNode, 8);
        using var rig = new RelayRig(
            wrapKeyboard: standIn =>
            {
                standIn.Dispose();
                return first = new FaultyEndpoint(source.Open(GadgetEndpointKind.Keyboard));
            },
            udc: tree.Gadget,
            endpointSource: source);
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);
        keyboard.Write(Tap(KeyCodes.Z));
        Assert.Equal(Keyboard(0, 0x1D), Hex(firstHost.Next()));
        Assert.Equal(Released, Hex(firstHost.Next()));

        // The tap's two frames. Left unconsumed, their signals answered the wait for the Shift frame below before the reader
        // had applied Shift, and the return's re-send of the held state then went out as all-released (a CI flake).
        rig.Sink.WaitFor("frame", 2);

        // The laptop reboots and the gadget is rebuilt: the keyboard function is now 237:3, /dev/hidg3; the old descriptor is dead.
        tree.SetState("default");
        first!.Fault = -Errno.ENODEV;
        string newNode = Fifo.Create(tree.Combine("devices", "hidg3"));
        using var newHost = new SimulatedHost(newNode, 8);
        tree.AddFunction("hid.usb0", 237, 3, "hidg3");
        rig.Time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.True(SpinWait.SpinUntil(() => rig.Relay.IsHostAway, HangGuard), "hang guard");
        keyboard.Write(Key(KeyCodes.LeftShift, 1), Report());
        rig.Sink.WaitFor("frame");

        tree.SetState("configured");
        rig.Time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(Keyboard(LeftShift), Hex(newHost.Next()));
        keyboard.Write(Key(KeyCodes.LeftShift, 0), Report());
        rig.Finish();

        Assert.Equal([Released, Released], newHost.ReadToEnd().Select(Hex));
        Assert.Equal(1, rig.Relay.Counters.EndpointsReopened);
        Assert.Equal(
            [(HostTransitionKind.Away, HostAwayReason.Disconnected), (HostTransitionKind.Reenumerated, HostAwayReason.Disconnected)],
            Transitions(rig).Select(transition => (transition.Kind, transition.Reason)));
    }

    [Fact]
    public void Without_a_udc_state_the_retries_back_off_and_only_transitions_are_logged()
    {
        SwitchableHostEndpoint? keyboardEndpoint = null;
        SwitchableHostEndpoint? mouseEndpoint = null;
        SwitchableHostEndpoint? consumerEndpoint = null;
        var logger = new CountingLogger<HidRelay>();
        using var rig = new RelayRig(
            wrapKeyboard: inner => keyboardEndpoint = new SwitchableHostEndpoint(inner),
            wrapMouse: inner => mouseEndpoint = new SwitchableHostEndpoint(inner),
            wrapConsumer: inner => consumerEndpoint = new SwitchableHostEndpoint(inner),
            useUdcStateFile: false,
            logger: logger);
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);
        keyboardEndpoint!.HostAbsent = true;
        mouseEndpoint!.HostAbsent = true;
        consumerEndpoint!.HostAbsent = true;
        keyboard.Write(Key(KeyCodes.LeftShift, 1), Report());
        Assert.True(SpinWait.SpinUntil(() => rig.Relay.IsHostAway && rig.Relay.IsRetryArmed, HangGuard), "hang guard");

        // Today's relay re-sent every endpoint every 250 ms and logged each time. Now: one retry after each interval,
        // doubling up to 8 s (a minute of absence costs 9 retries, not 240), and one log line for the whole absence.
        int refused = keyboardEndpoint.RefusedWrites;   // the reader's direct write and the writer's retry of it
        foreach (int milliseconds in new[] { 250, 500, 1000, 2000, 4000, 8000, 8000, 8000, 8000 })
        {
            Assert.True(SpinWait.SpinUntil(() => rig.Relay.IsRetryArmed, HangGuard), "hang guard");
            rig.Time.Advance(TimeSpan.FromMilliseconds(milliseconds - 1));
            Assert.Equal(refused, keyboardEndpoint.RefusedWrites);
            rig.Time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.True(SpinWait.SpinUntil(() => keyboardEndpoint.RefusedWrites == refused + 1, HangGuard), $"retry {refused} after {milliseconds} ms");
            refused++;
        }

        Assert.Equal(1, logger.Count);

        keyboardEndpoint.HostAbsent = false;
        mouseEndpoint.HostAbsent = false;
        consumerEndpoint.HostAbsent = false;
        Assert.True(
            SpinWait.SpinUntil(
                () =>
                {
                    rig.Time.Advance(TimeSpan.FromSeconds(1));
                    return rig.KeyboardHost.TryNext(out byte[] report) && Hex(report) == Keyboard(LeftShift);
                },
                HangGuard),
            "the held state never arrived");

        // The writer confirms the host (counts the return, logs it) after its report reached the host: wait for that.
        Assert.True(SpinWait.SpinUntil(() => rig.Relay.Counters.HostReturns == 1 && logger.Count == 2, HangGuard), "the return was never confirmed");
        Assert.Equal(1, rig.Relay.Counters.HostReturns);
        Assert.Equal(2, logger.Count);
    }
}
