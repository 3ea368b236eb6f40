namespace EdgeCapture.Input.Evdev;

/// <summary>One open physical input device as the reader sees it. State is owned by the reader thread.</summary>
public sealed class EvdevDevice
{
    /// <summary>Events buffered per frame before SYN_REPORT; a longer frame is delivered in parts and counted.</summary>
    internal const int FrameCapacity = 128;

    internal EvdevDevice(int id, IEvdevNode node, InputDeviceKind kind, bool supportsIoctls, bool hasKernelMonotonicTime, bool isGrabbed, bool hasHighResolutionWheel)
    {
        Id = id;
        Node = node;
        Kind = kind;
        SupportsIoctls = supportsIoctls;
        HasKernelMonotonicTime = hasKernelMonotonicTime;
        IsGrabbed = isGrabbed;
        HasHighResolutionWheel = hasHighResolutionWheel;
        Carry = new byte[InputEventCodec.EventSize];
    }

    /// <summary>Identifier unique for the life of the process (a re-plugged device gets a new one).</summary>
    public int Id { get; }

    /// <summary>The node's path.</summary>
    public string Path => Node.Path;

    /// <summary>How the device is relayed.</summary>
    public InputDeviceKind Kind { get; }

    /// <summary>True for a real evdev node; false for a FIFO or file stand-in (no grab, clock, bits or key state).</summary>
    public bool SupportsIoctls { get; }

    /// <summary>True when EVIOCSCLOCKID switched the node to CLOCK_MONOTONIC, so event times are used as they are;
    /// otherwise events are stamped with the monotonic time they were read.</summary>
    public bool HasKernelMonotonicTime { get; }

    /// <summary>True when EVIOCGRAB succeeded.</summary>
    public bool IsGrabbed { get; }

    /// <summary>True when EVIOCGBIT reports REL_WHEEL_HI_RES or REL_HWHEEL_HI_RES (the relay may also learn it from events).</summary>
    public bool HasHighResolutionWheel { get; }

    internal IEvdevNode Node { get; }

    /// <summary>Keys and buttons this device holds down, as delivered to the sink.</summary>
    internal byte[] HeldKeys { get; } = new byte[KeyCodes.Count / 8];

    internal byte[] Carry { get; }

    internal int CarryLength { get; set; }

    /// <summary>After SYN_DROPPED: events are discarded up to and including the next SYN_REPORT.</summary>
    internal bool DiscardingUntilReport { get; set; }

    /// <summary>After a resynchronisation from EVIOCGKEY: key events left in the current read's buffer are older than it.</summary>
    internal bool SkippingReadKeys { get; set; }

    internal EvdevEvent[] Frame { get; } = new EvdevEvent[FrameCapacity];

    internal int FrameCount { get; set; }

    internal bool BadInputLogged { get; set; }

    /// <summary>Whether this device holds <paramref name="keyCode"/> down.</summary>
    /// <param name="keyCode">A KEY_* or BTN_* code.</param>
    /// <returns>True when held (as last delivered).</returns>
    public bool IsHeld(ushort keyCode) => keyCode < KeyCodes.Count && (HeldKeys[keyCode >> 3] & (1 << (keyCode & 7))) != 0;

    internal void SetHeld(ushort keyCode, bool held)
    {
        if (held)
        {
            HeldKeys[keyCode >> 3] |= (byte)(1 << (keyCode & 7));
        }
        else
        {
            HeldKeys[keyCode >> 3] &= (byte)~(1 << (keyCode & 7));
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"#{Id} {Kind} {Path}";
}
