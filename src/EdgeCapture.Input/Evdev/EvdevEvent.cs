namespace EdgeCapture.Input.Evdev;

/// <summary>One decoded <c>struct input_event</c>, its time converted to nanoseconds.</summary>
/// <param name="TimestampNanoseconds">The event's timeval in nanoseconds (CLOCK_MONOTONIC once EVIOCSCLOCKID succeeded).</param>
/// <param name="Type">EV_* type.</param>
/// <param name="Code">Event code.</param>
/// <param name="Value">Event value.</param>
public readonly record struct EvdevEvent(long TimestampNanoseconds, ushort Type, ushort Code, int Value);
