namespace EdgeCapture.Input;

/// <summary>
/// One relayed input event as offered to the recorder. <see cref="Type"/>, <see cref="Code"/> and <see cref="Value"/>
/// are exactly the evdev triple (EV_KEY/EV_REL/EV_SYN ...; include/uapi/linux/input-event-codes.h).
/// </summary>
/// <param name="MonotonicNanoseconds">CLOCK_MONOTONIC time of the event in nanoseconds (the system-wide time base).</param>
/// <param name="SourceDeviceId">Identifier of the physical device, unique for the life of the process (a re-plugged device gets a new one).</param>
/// <param name="DeviceKind">How the source device is classified.</param>
/// <param name="Type">evdev event type (EV_SYN 0, EV_KEY 1, EV_REL 2).</param>
/// <param name="Code">evdev event code (KEY_*, BTN_*, REL_*, SYN_*).</param>
/// <param name="Value">evdev value (keys: 1 press, 0 release; relative axes: signed delta).</param>
public readonly record struct InputTapEvent(
    long MonotonicNanoseconds,
    int SourceDeviceId,
    InputDeviceKind DeviceKind,
    ushort Type,
    ushort Code,
    int Value);
