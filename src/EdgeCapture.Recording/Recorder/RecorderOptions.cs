using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Recording.Recorder;

/// <summary>
/// Recorder settings. None of them can open the privacy gate: they only shape sessions and segments.
/// <see cref="Validate"/> rejects values out of range with the setting's name.
/// </summary>
public sealed class RecorderOptions
{
    /// <summary>The appliance's identifier, written into every header and manifest.</summary>
    public string DeviceId { get; init; } = Environment.MachineName;

    /// <summary>
    /// A segment is sealed at the latest this long after it opened. Together with <see cref="SegmentMaximumBytes"/>
    /// it bounds what a power cut can lose (the open segment only). Default 5 s.
    /// </summary>
    public TimeSpan SegmentMaximumDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A segment is sealed before its plaintext would exceed this. Default 4 MiB.</summary>
    public int SegmentMaximumBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>A session ends after this long without a recorded record. Default 5 minutes.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A session ends when it is this long; the next record starts a new one. Default 1 hour.</summary>
    public TimeSpan MaximumSessionLength { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Lock-screen key suppression: chords, triggers, how an unlock is recognised. Default on with the documented chords and every trigger.</summary>
    public LockScreenOptions LockScreen { get; init; } = new();

    /// <summary>
    /// Input events held while the gate has not yet confirmed their time (about 20 ms at the switch poll rate).
    /// Beyond this many, new events are dropped and counted. Default 16384.
    /// </summary>
    public int PendingEventCapacity { get; init; } = 16384;

    /// <summary>Frames held while the gate has not yet confirmed their time. Default 8.</summary>
    public int PendingFrameCapacity { get; init; } = 8;

    /// <summary>Largest encoded frame accepted; larger ones are dropped and counted. Default 8 MiB.</summary>
    public int MaximumFrameBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>How often the recorder looks at the clock when no input arrives (seal deadlines, idle, the lock-screen grace period). Default 100 ms.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>While storage is full, how often the recorder checks whether it can record again. Default 5 s.</summary>
    public TimeSpan StorageFullRetryInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The screen the frames come from (null when no video is recorded).</summary>
    public ScreenDescription? Screen { get; init; }

    /// <summary>Input devices to describe in segment headers; devices seen in the tap are added as they appear.</summary>
    public IReadOnlyList<InputDeviceDescription> InputDevices { get; init; } = [];

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> or <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DeviceId))
        {
            throw new ArgumentException("DeviceId must not be empty.", nameof(DeviceId));
        }

        Require(SegmentMaximumDuration, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10), nameof(SegmentMaximumDuration));
        Require(IdleTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), nameof(IdleTimeout));
        Require(MaximumSessionLength, TimeSpan.FromSeconds(1), TimeSpan.FromDays(7), nameof(MaximumSessionLength));
        Require(TickInterval, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10), nameof(TickInterval));
        Require(StorageFullRetryInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1), nameof(StorageFullRetryInterval));
        if (SegmentMaximumBytes is < 64 * 1024 or > 256 * 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(SegmentMaximumBytes), SegmentMaximumBytes, "Must be between 64 KiB and 256 MiB.");
        }

        if (PendingEventCapacity is < 16 or > 16 * 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(PendingEventCapacity), PendingEventCapacity, "Must be between 16 and 16 Mi.");
        }

        if (PendingFrameCapacity is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(PendingFrameCapacity), PendingFrameCapacity, "Must be between 1 and 1024.");
        }

        if (MaximumFrameBytes is < 1024 or > 256 * 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaximumFrameBytes), MaximumFrameBytes, "Must be between 1 KiB and 256 MiB.");
        }

        ArgumentNullException.ThrowIfNull(InputDevices, nameof(InputDevices));
        ArgumentNullException.ThrowIfNull(LockScreen, nameof(LockScreen));
        LockScreen.Validate();
    }

    private static void Require(TimeSpan value, TimeSpan minimum, TimeSpan maximum, string name)
    {
        if (value < minimum || value > maximum)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between {minimum} and {maximum}.");
        }
    }
}
