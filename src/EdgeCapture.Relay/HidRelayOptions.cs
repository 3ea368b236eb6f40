using EdgeCapture.Relay.Gadget;

namespace EdgeCapture.Relay;

/// <summary>The gadget endpoints the relay writes to; any may be null (its reports are then counted, not written).</summary>
/// <param name="Keyboard">Boot keyboard endpoint (8-byte reports; LED output reports read back from it).</param>
/// <param name="Mouse">Relative mouse endpoint (7-byte reports).</param>
/// <param name="ConsumerControl">Consumer-control endpoint (2-byte reports).</param>
public sealed record HidGadgetEndpoints(IHidGadgetEndpoint? Keyboard, IHidGadgetEndpoint? Mouse, IHidGadgetEndpoint? ConsumerControl);

/// <summary>Relay tuning. The defaults suit the box.</summary>
public sealed record HidRelayOptions
{
    /// <summary>
    /// Keyboard transitions queued while the host is not reading. Never dropped one by one: if this ever overflows
    /// (the host configured but not polling through thousands of transitions) the queue is replaced by an all-released
    /// report followed by the current state, so nothing is stuck and the host ends in the true state.
    /// </summary>
    public int KeyboardQueueCapacity { get; init; } = 4096;

    /// <summary>Consumer-control transitions queued; overflow handled as for the keyboard.</summary>
    public int ConsumerQueueCapacity { get; init; } = 1024;

    /// <summary>Mouse button states queued (motion merges, so only button transitions take entries); overflow handled as for the keyboard, motion kept.</summary>
    public int MouseQueueCapacity { get; init; } = 1024;

    /// <summary>
    /// A UDC state file to poll when no <see cref="Gadget.IUdcMonitor"/> is given (stand-ins, tests). On the box the relay
    /// derives the state file from the gadget's <c>UDC</c> file (<see cref="Gadget.ConfigFsGadget"/>) and this stays null.
    /// With neither, the current state is re-sent with backoff until a write succeeds.
    /// </summary>
    public string? UdcStatePath { get; init; }

    /// <summary>How often the UDC state is read (a sysfs read; no write, no log unless it changes). Also the first retry delay without a state.</summary>
    public TimeSpan UdcPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Without a UDC state to read, retries of the current state back off from <see cref="UdcPollInterval"/> up to this.</summary>
    public TimeSpan RetryMaximumInterval { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// A short stall (EAGAIN: the host has not taken the report in flight) queues key transitions in order, as a real
    /// keyboard's buffer would. A stall longer than this means the host is away: transitions are no longer queued, and
    /// the held-key state is re-sent when it returns. Default 400 ms.
    /// </summary>
    public TimeSpan StallLimit { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>
    /// What the mouse function is: the relative mouse (default) or the absolute pointer. It must match the descriptor the
    /// gadget presents; <see cref="RelayService"/> reads it from the gadget when there is one.
    /// </summary>
    public Hid.PointerMode PointerMode { get; init; } = Hid.PointerMode.Relative;

    /// <summary>Absolute pointer mode: the captured screen's width in pixels, onto which the position is integrated. Default 1920.</summary>
    public int ScreenWidth { get; init; } = 1920;

    /// <summary>Absolute pointer mode: the captured screen's height in pixels. Default 1080.</summary>
    public int ScreenHeight { get; init; } = 1080;

    /// <summary>Absolute pointer mode: how counts become pixels (documented on <see cref="Hid.PointerAccelerationProfile"/>).</summary>
    public Hid.PointerAccelerationProfile Acceleration { get; init; } = new();

    /// <summary>Shortest time between two remote-wakeup requests while the host is suspended. Default 1 s.</summary>
    public TimeSpan RemoteWakeupInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long <see cref="HidRelay.Stop"/> waits, without the host taking anything, for it to take queued and all-released reports.</summary>
    public TimeSpan StopFlushTimeout { get; init; } = TimeSpan.FromSeconds(1);
}
