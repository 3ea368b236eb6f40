using EdgeCapture.Hid;
using EdgeCapture.Input;

namespace EdgeCapture.Recording.Segments;

/// <summary>Constants of the segment format (see SEGMENT-FORMAT.md next to this project).</summary>
public static class SegmentFormat
{
    /// <summary>The format version this build writes: 2 adds pointer position records (<see cref="SegmentRecordType.PointerPosition"/>).</summary>
    public const int Version = 2;

    /// <summary>The oldest version this build reads (version 1: the same records, without pointer positions).</summary>
    public const int OldestReadableVersion = 1;

    /// <summary>Length of a session identifier in bytes (a UUID, big-endian as RFC 9562 writes it).</summary>
    public const int SessionIdLength = 16;
}

/// <summary>The type tag that opens every record array.</summary>
public enum SegmentRecordType
{
    /// <summary>The first record of every segment.</summary>
    Header = 0,

    /// <summary>A key went down or up.</summary>
    Key = 1,

    /// <summary>One evdev frame of pointer activity (buttons, motion, wheel, pan).</summary>
    Mouse = 2,

    /// <summary>One captured screen image.</summary>
    Frame = 3,

    /// <summary>Something happened that is not input: privacy, forget, suppression, drops, signal, storage.</summary>
    Marker = 4,

    /// <summary>Where the pointer is on the captured screen, in pixels (absolute pointer mode; format version 2 and later).</summary>
    PointerPosition = 5,

    /// <summary>The last record of every segment: record count, end time and why the segment ended.</summary>
    Trailer = 15,
}

/// <summary>What a marker record reports. Values are stable: they are part of the format.</summary>
public enum MarkerKind
{
    /// <summary>The privacy switch engaged at the marker time; the segment ends here. Value: 0.</summary>
    PrivacyEngaged = 1,

    /// <summary>Recording became possible at the marker time (first record of a session). Value: 0.</summary>
    PrivacyReleased = 2,

    /// <summary>A forget request discarded recording. Value: window start (monotonic ns); detail: segments deleted + retracted.</summary>
    Forget = 3,

    /// <summary>Key suppression started. Value: the <see cref="LockChord"/> pressed, or the <see cref="LockScreenTrigger"/> (16 and up) that fired; detail: 0.</summary>
    LockScreenSuppressionStarted = 4,

    /// <summary>Key suppression ended. Value: the <see cref="LockScreenSuppressionEnd"/>; detail: always 0 (nothing about what was typed, not even how much).</summary>
    LockScreenSuppressionEnded = 5,

    /// <summary>Input events were lost before recording. Value: events dropped since the previous such marker; detail: 1 tap full, 2 recorder.</summary>
    DroppedEvents = 6,

    /// <summary>The video source lost its signal. Value: 0.</summary>
    SignalLost = 7,

    /// <summary>The video source has a signal again. Value: width; detail: height.</summary>
    SignalRestored = 8,

    /// <summary>The video resolution changed. Value: width; detail: height.</summary>
    ResolutionChanged = 9,

    /// <summary>The outbox was full and recording stopped. Value: when it stopped (monotonic ns); detail: records lost.</summary>
    StorageFull = 10,
}

/// <summary>The chord that started lock-screen key suppression.</summary>
public enum LockChord
{
    /// <summary>GUI (Windows key) + L: lock the workstation.</summary>
    GuiL = 1,

    /// <summary>Ctrl + Alt + Delete: Windows secure attention sequence.</summary>
    ControlAltDelete = 2,

    /// <summary>Ctrl + Command + Q: macOS lock screen.</summary>
    ControlGuiQ = 3,

    /// <summary>Ctrl + Shift + Power: macOS display sleep (locks when a password is required after sleep).</summary>
    ControlShiftPower = 4,

    /// <summary>Ctrl + Shift + Eject: the same on Apple keyboards with an Eject key.</summary>
    ControlShiftEject = 5,

    /// <summary>Command + Option + Power: macOS sleep.</summary>
    GuiAltPower = 6,

    /// <summary>A chord from the configuration that is none of the above.</summary>
    Configured = 15,
}

/// <summary>An event after which the laptop is likely to show a lock screen; the value is what the started marker records.</summary>
public enum LockScreenTrigger
{
    /// <summary>The host resumed the USB bus after suspend.</summary>
    HostResumed = 16,

    /// <summary>The host enumerated the HID gadget again.</summary>
    GadgetReenumerated = 17,

    /// <summary>The HDMI signal came back after a loss.</summary>
    SignalRestored = 18,

    /// <summary>The appliance started.</summary>
    ApplianceStarted = 19,
}

/// <summary>How lock-screen key suppression ended (the ended marker's value). 2 was a timeout and is never written: no timeout ends suppression.</summary>
public enum LockScreenSuppressionEnd
{
    /// <summary>An Enter was released and the grace period passed without another (no capture to look at the screen).</summary>
    EnterThenGracePeriod = 1,

    /// <summary>An Enter was released and then the screen differed strongly from the lock screen.</summary>
    EnterThenScreenChanged = 3,
}

/// <summary>Why a segment was the last of its session; <see cref="None"/> when the session goes on.</summary>
public enum SessionEndReason
{
    /// <summary>Not the last segment: the session continues in the next one.</summary>
    None = 0,

    /// <summary>The privacy switch engaged (or the switch became unreadable).</summary>
    PrivacyEngaged = 1,

    /// <summary>No input for the idle timeout.</summary>
    IdleTimeout = 2,

    /// <summary>The session reached its maximum length.</summary>
    MaximumLength = 3,

    /// <summary>A forget request ended the session.</summary>
    Forget = 4,

    /// <summary>The outbox is full.</summary>
    StorageFull = 5,

    /// <summary>The recorder was stopped (shutdown).</summary>
    Shutdown = 6,
}

/// <summary>Mouse buttons as in the HID boot mouse report: bit 0 primary (left), 1 secondary (right), 2 middle, 3 back, 4 forward.</summary>
[Flags]
public enum MouseButtons
{
    /// <summary>No button held.</summary>
    None = 0,

    /// <summary>BTN_LEFT, HID Button 1.</summary>
    Left = 1,

    /// <summary>BTN_RIGHT, HID Button 2.</summary>
    Right = 2,

    /// <summary>BTN_MIDDLE, HID Button 3.</summary>
    Middle = 4,

    /// <summary>BTN_SIDE, HID Button 4.</summary>
    Back = 8,

    /// <summary>BTN_EXTRA, HID Button 5.</summary>
    Forward = 16,
}

/// <summary>The screen the segment's frames come from.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Format">Image format of the frames, for example "jpeg".</param>
public sealed record ScreenDescription(int Width, int Height, string Format);

/// <summary>An input device whose events the segment may contain.</summary>
/// <param name="DeviceId">The relay's device identifier (unique for the life of the recording process).</param>
/// <param name="Kind">Keyboard, mouse or consumer control.</param>
/// <param name="Name">A human-readable name (the evdev name or the simulator's).</param>
public sealed record InputDeviceDescription(int DeviceId, InputDeviceKind Kind, string Name);

/// <summary>The first record of a segment.</summary>
/// <param name="FormatVersion">From <see cref="SegmentFormat.OldestReadableVersion"/> to <see cref="SegmentFormat.Version"/> for segments this build reads.</param>
/// <param name="DeviceId">The appliance that recorded the segment.</param>
/// <param name="SessionId">The session the segment belongs to.</param>
/// <param name="SegmentIndex">Position in the session, from 0.</param>
/// <param name="MonotonicAnchorNanoseconds">CLOCK_MONOTONIC time the segment starts at; record times are at or after it.</param>
/// <param name="WallClockAnchorUnixNanoseconds">Wall-clock time (Unix epoch, ns) read together with the monotonic anchor.</param>
/// <param name="Screen">The screen, or null when no video is recorded.</param>
/// <param name="InputDevices">The input devices known when the segment opened.</param>
public sealed record SegmentHeader(
    int FormatVersion,
    string DeviceId,
    Guid SessionId,
    long SegmentIndex,
    long MonotonicAnchorNanoseconds,
    long WallClockAnchorUnixNanoseconds,
    ScreenDescription? Screen,
    IReadOnlyList<InputDeviceDescription> InputDevices);

/// <summary>A record of a segment's body, with its absolute monotonic time.</summary>
/// <param name="MonotonicNanoseconds">CLOCK_MONOTONIC time of the record.</param>
public abstract record SegmentRecord(long MonotonicNanoseconds);

/// <summary>A key went down or up.</summary>
/// <param name="MonotonicNanoseconds">When.</param>
/// <param name="Usage">The HID usage (Keyboard/Keypad page 0x07 or Consumer page 0x0C).</param>
/// <param name="IsDown">True for press, false for release.</param>
public sealed record KeyRecord(long MonotonicNanoseconds, HidUsage Usage, bool IsDown) : SegmentRecord(MonotonicNanoseconds);

/// <summary>One evdev frame of pointer activity.</summary>
/// <param name="MonotonicNanoseconds">When (time of the frame's last event).</param>
/// <param name="Buttons">Buttons held after this frame.</param>
/// <param name="DeltaX">Relative X motion in counts.</param>
/// <param name="DeltaY">Relative Y motion in counts (down is positive).</param>
/// <param name="Wheel">Vertical wheel detents (up is positive).</param>
/// <param name="Pan">Horizontal wheel detents (right is positive).</param>
public sealed record MouseRecord(long MonotonicNanoseconds, MouseButtons Buttons, int DeltaX, int DeltaY, int Wheel, int Pan) : SegmentRecord(MonotonicNanoseconds);

/// <summary>
/// Where the host's pointer is on the captured screen after an evdev frame, in screen pixels: what the relay's absolute
/// pointer reports carried (EV_ABS ABS_X/ABS_Y offered to the tap in the frame that moved it). Follows that frame's
/// <see cref="MouseRecord"/>, if any, at the same time.
/// </summary>
/// <param name="MonotonicNanoseconds">When (time of the frame).</param>
/// <param name="X">Pixels from the left edge.</param>
/// <param name="Y">Pixels from the top edge.</param>
public sealed record PointerPositionRecord(long MonotonicNanoseconds, int X, int Y) : SegmentRecord(MonotonicNanoseconds);

/// <summary>One captured screen image, kept opaque.</summary>
/// <param name="MonotonicNanoseconds">Capture time.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Format">Encoding of <paramref name="Image"/>, for example "jpeg".</param>
/// <param name="KeepReason">Why the sampler kept this frame (the capture pipeline's reason code).</param>
/// <param name="Image">The encoded image.</param>
public sealed record FrameRecord(long MonotonicNanoseconds, int Width, int Height, string Format, int KeepReason, ReadOnlyMemory<byte> Image) : SegmentRecord(MonotonicNanoseconds);

/// <summary>Something that is not input: see <see cref="MarkerKind"/> for the meaning of the values.</summary>
/// <param name="MonotonicNanoseconds">When.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Value">First value (meaning per kind).</param>
/// <param name="Detail">Second value (meaning per kind).</param>
public sealed record MarkerRecord(long MonotonicNanoseconds, MarkerKind Kind, long Value, long Detail) : SegmentRecord(MonotonicNanoseconds);

/// <summary>The last record of a segment.</summary>
/// <param name="RecordCount">Number of body records (everything between header and trailer).</param>
/// <param name="EndMonotonicNanoseconds">Where the segment was cut; every record is before or at it.</param>
/// <param name="EndReason">Why the session ended with this segment, or <see cref="SessionEndReason.None"/>.</param>
public sealed record SegmentTrailer(long RecordCount, long EndMonotonicNanoseconds, SessionEndReason EndReason);

/// <summary>A decoded, validated segment.</summary>
/// <param name="Header">The header record.</param>
/// <param name="Records">The body records in recorded order.</param>
/// <param name="Trailer">The trailer record.</param>
public sealed record SegmentContents(SegmentHeader Header, IReadOnlyList<SegmentRecord> Records, SegmentTrailer Trailer);

/// <summary>A segment (or a manifest) is truncated, corrupt, of an unknown version, or inconsistent.</summary>
public sealed class SegmentFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SegmentFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public SegmentFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the CBOR error behind it.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The decoder's error.</param>
    public SegmentFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a problem at a byte offset.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="offset">Byte offset in the plaintext where the problem was found.</param>
    /// <param name="innerException">The decoder's error, if any.</param>
    public SegmentFormatException(string message, long offset, Exception? innerException = null)
        : base($"{message} (at byte {offset})", innerException)
    {
        Offset = offset;
    }

    /// <summary>Byte offset where the problem was found, or -1 when not tied to a position.</summary>
    public long Offset { get; } = -1;
}
