namespace EdgeCapture.Relay;

/// <summary>What happened to the USB host, as the relay saw it.</summary>
public enum HostTransitionKind
{
    /// <summary>The host went away: suspended, unplugged, shut down (ESHUTDOWN, a write error), or not polling past the stall limit.</summary>
    Away,

    /// <summary>The host is back after a stall or a write error, with no sign of a suspend or a new enumeration.</summary>
    Back,

    /// <summary>The host resumed from USB suspend (the UDC went from <c>suspended</c> to <c>configured</c>): a lock screen is likely.</summary>
    Resumed,

    /// <summary>The host enumerated the gadget anew (the UDC passed through an unconfigured state, or the gadget was rebuilt): a lock screen is likely.</summary>
    Reenumerated,
}

/// <summary>A host-state transition.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="MonotonicNanoseconds">When the relay noticed it, on the one monotonic clock (the evdev timestamps' clock).</param>
/// <param name="Reason">For <see cref="HostTransitionKind.Away"/>: why; otherwise what the host was away for.</param>
public readonly record struct HostTransition(HostTransitionKind Kind, long MonotonicNanoseconds, HostAwayReason Reason);

/// <summary>Why the relay considers the host away.</summary>
public enum HostAwayReason
{
    /// <summary>Not away.</summary>
    None,

    /// <summary>The UDC reads <c>suspended</c>.</summary>
    Suspended,

    /// <summary>The UDC reads an unconfigured state (not attached, default, addressed ...) or the gadget is unbound.</summary>
    Disconnected,

    /// <summary>A write failed with ESHUTDOWN: the host has not configured the function.</summary>
    Shutdown,

    /// <summary>A write failed with another errno, or wrote part of a report.</summary>
    WriteError,

    /// <summary>The host took nothing for longer than <see cref="HidRelayOptions.StallLimit"/> (EAGAIN past the limit).</summary>
    Stalled,

    /// <summary>The endpoint's device is gone (ENODEV, EBADF): the gadget was removed or rebuilt.</summary>
    EndpointGone,
}
