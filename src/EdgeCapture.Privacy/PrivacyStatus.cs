namespace EdgeCapture.Privacy;

/// <summary>Whether recording may happen.</summary>
public enum PrivacyState
{
    /// <summary>Nothing may be recorded (switch private, unknown, unreadable, or a fault).</summary>
    Private = 0,

    /// <summary>The switch reads public, stably, and the recording indicator is lit.</summary>
    Public = 1,
}

/// <summary>Why the state is what it is. Every value but <see cref="None"/> goes with <see cref="PrivacyState.Private"/>.</summary>
public enum PrivacyReason
{
    /// <summary>Public: the switch reads public and the indicator is lit.</summary>
    None = 0,

    /// <summary>The switch has not been read yet (boot).</summary>
    Starting,

    /// <summary>The switch reads private.</summary>
    SwitchPrivate,

    /// <summary>The switch reads public but has not yet been stable for the debounce period.</summary>
    SwitchSettling,

    /// <summary>The pinout file is missing or invalid, so no pin is known.</summary>
    PinoutInvalid,

    /// <summary>The GPIO driver or chip could not be opened.</summary>
    GpioUnavailable,

    /// <summary>The switch line could not be requested or configured (busy, missing, bias unsupported).</summary>
    SwitchLineUnavailable,

    /// <summary>Reading the switch line failed.</summary>
    SwitchReadFailed,

    /// <summary>The recording indicator could not be lit or kept lit, so recording stays impossible.</summary>
    IndicatorFailed,

    /// <summary>The privacy hardware was shut down.</summary>
    Stopped,

    /// <summary>
    /// A signed remote <c>stop-recording</c> is in force (the fleet's hold, ANDed into the recorder's gate): private whatever
    /// the switch reads. Only the recorder's gate reports it; the switch's own state never carries it.
    /// </summary>
    RemoteStop,
}

/// <summary>The answer of the gate for one instant.</summary>
public enum GateDecision
{
    /// <summary>The instant is not inside a confirmed public interval and never will be. Discard.</summary>
    NotRecordable = 0,

    /// <summary>The instant is inside a confirmed public interval. Keep.</summary>
    Recordable = 1,

    /// <summary>The gate is public but has not yet confirmed this instant; hold the item and ask again.</summary>
    Pending = 2,
}

/// <summary>The current privacy state with its reason.</summary>
/// <param name="State">Private or public.</param>
/// <param name="Reason">Why; <see cref="PrivacyReason.None"/> only when public.</param>
/// <param name="Detail">A human-readable detail for faults (driver message, pinout error), else null.</param>
/// <param name="SinceNanoseconds">Monotonic nanoseconds when this status was entered.</param>
public readonly record struct PrivacyStatus(PrivacyState State, PrivacyReason Reason, string? Detail, long SinceNanoseconds)
{
    /// <summary>True when the reason is a fault (something is broken), as opposed to the switch position.</summary>
    public bool IsFault => Reason is PrivacyReason.PinoutInvalid or PrivacyReason.GpioUnavailable
        or PrivacyReason.SwitchLineUnavailable or PrivacyReason.SwitchReadFailed or PrivacyReason.IndicatorFailed;
}

/// <summary>A change of privacy status, published by <see cref="PrivacyTimeline.Subscribe"/>.</summary>
/// <param name="Previous">The status before.</param>
/// <param name="Current">The status after.</param>
/// <param name="BoundaryNanoseconds">
/// To public: the first recordable instant (the interval start). To private: the cut point, the first instant that is
/// not recordable (end of the closed public interval, exclusive); the recorder cuts its open segment there.
/// Private to private (reason change only): the time of the change; nothing recordable changed.
/// </param>
public readonly record struct PrivacyTransition(PrivacyStatus Previous, PrivacyStatus Current, long BoundaryNanoseconds)
{
    /// <summary>True when the gate shut (public to private).</summary>
    public bool GateClosed => Previous.State == PrivacyState.Public && Current.State == PrivacyState.Private;

    /// <summary>True when the gate opened (private to public).</summary>
    public bool GateOpened => Previous.State == PrivacyState.Private && Current.State == PrivacyState.Public;
}

/// <summary>A confirmed public interval <c>[StartNanoseconds, EndNanoseconds)</c> in monotonic nanoseconds.</summary>
/// <param name="StartNanoseconds">First recordable instant.</param>
/// <param name="EndNanoseconds">First instant after the interval (exclusive).</param>
public readonly record struct PublicInterval(long StartNanoseconds, long EndNanoseconds)
{
    /// <summary>True when <paramref name="nanoseconds"/> lies inside the interval.</summary>
    /// <param name="nanoseconds">An instant in monotonic nanoseconds.</param>
    /// <returns>Whether the instant is inside.</returns>
    public bool Contains(long nanoseconds) => nanoseconds >= StartNanoseconds && nanoseconds < EndNanoseconds;
}
