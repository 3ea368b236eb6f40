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

    /// <summary>/sys/class/udc/&lt;udc&gt;/state; polled after ESHUTDOWN until it reads <c>configured</c>. Null: retry the write on each poll.</summary>
    public string? UdcStatePath { get; init; }

    /// <summary>How often the UDC state is polled while the host is away.</summary>
    public TimeSpan UdcPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long <see cref="HidRelay.Stop"/> waits, without the host taking anything, for it to take queued and all-released reports.</summary>
    public TimeSpan StopFlushTimeout { get; init; } = TimeSpan.FromSeconds(1);
}
