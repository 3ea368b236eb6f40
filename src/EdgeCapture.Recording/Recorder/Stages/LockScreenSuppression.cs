using EdgeCapture.Input.Evdev;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Video;
using EdgeCapture.Video.Encoding;
using EdgeCapture.Video.Sampling;

namespace EdgeCapture.Recording.Recorder;

/// <summary>
/// Lock-screen suppression, one stage of the recorder. Two sides:
/// <list type="bullet">
/// <item>The detector sees every relayed key and frame in relay order, before any gate or horizon drops it, and keeps only
/// what it needs to find a chord and the end of an unlock (modifiers held, Enter held, a thumbnail of the lock screen).</item>
/// <item>What it found is a list of suppression intervals in monotonic time; the recorder asks <see cref="IsSuppressed"/> for
/// each key it is about to record, whenever that is (held items are recorded later than they are relayed).</item>
/// </list>
/// An interval opens at a chord or trigger and never closes on a timeout. It closes only after the release of an Enter (or
/// keypad Enter) that may have submitted the unlock, and then only once the screen differs strongly from the lock screen
/// (where capture runs) or after the grace period without capture. Another Enter, chord or trigger keeps it open.
/// </summary>
internal sealed class LockScreenSuppression : IDisposable
{
    private const ushort KeypadEnter = 96;
    private const int MaximumIntervals = 32;
    private const byte ChangedBlockThreshold = 24;

    // Frames seen this recently before an Enter release mean capture runs, so the screen decides the end.
    private static readonly long CaptureActiveNanoseconds = 2_000_000_000;

    private readonly bool _enabled;
    private LockChordDefinition[] _chords;
    private LockScreenTriggers _triggers;
    private readonly long _graceNanoseconds;
    private readonly double _screenChangeFraction;
    private readonly List<SuppressionInterval> _intervals = [];

    // Detector state: nothing typed is kept, only which modifiers and whether Enter are down.
    private readonly bool[] _modifierDown = new bool[8];
    private bool _enterDown;
    private Phase _phase = Phase.Idle;
    private long _enterReleasedAt;
    private bool _screenDecides;
    private long _lastFrameAt = long.MinValue;

    private JpegThumbnailDecoder? _decoder;
    private bool _decoderUnavailable;
    private readonly FrameThumbnail _latestScreen = new();
    private readonly FrameThumbnail _lockScreen = new();

    public LockScreenSuppression(LockScreenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _enabled = options.Enabled;
        _chords = [.. options.Chords.Select(LockChordDefinition.Parse)];
        _triggers = options.Triggers;
        _graceNanoseconds = (long)options.GracePeriod.TotalNanoseconds;
        _screenChangeFraction = options.ScreenChangeFraction;
    }

    /// <summary>
    /// New chords and triggers while running (live remote setting; validated). A suppression in progress goes on to its
    /// normal end: a change never ends one early.
    /// </summary>
    public void Reconfigure(LockScreenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        LockChordDefinition[] chords = [.. options.Chords.Select(LockChordDefinition.Parse)];
        _chords = chords;
        _triggers = options.Triggers;
    }

    private enum Phase
    {
        Idle,
        AwaitingEnter,
        AfterEnter,
    }

    /// <summary>The intervals found so far, oldest first (the recorder marks what it has announced and prunes through <see cref="Prune"/>).</summary>
    public List<SuppressionInterval> Intervals => _intervals;

    /// <summary>True while an interval is open at the detector's side.</summary>
    public bool IsActive => _phase != Phase.Idle;

    /// <summary>Every relayed key event, in relay order, before any gate: finds chords and the Enter that ends an unlock.</summary>
    public void ObserveKey(long time, ushort code, int value)
    {
        if (!_enabled || value == KeyValues.Repeated)
        {
            return;
        }

        bool down = value != 0;
        int modifier = ModifierIndex(code);
        if (modifier >= 0)
        {
            _modifierDown[modifier] = down;
            return;
        }

        Advance(time);
        if (down)
        {
            ChordModifiers held = HeldModifiers();
            foreach (LockChordDefinition chord in _chords)
            {
                if (chord.IsCompletedBy(code, held))
                {
                    Start(time, (int)chord.Code);
                    return;
                }
            }
        }

        if (code is not (KeyCodes.Enter or KeypadEnter) || _phase == Phase.Idle)
        {
            return;
        }

        if (down)
        {
            _enterDown = true;
            if (!_latestScreen.IsEmpty)
            {
                _lockScreen.CopyFrom(_latestScreen);
            }
        }
        else if (_enterDown)
        {
            _enterDown = false;
            _phase = Phase.AfterEnter;
            _enterReleasedAt = time;
            _screenDecides = !_lockScreen.IsEmpty && _lastFrameAt >= time - CaptureActiveNanoseconds;
        }
    }

    /// <summary>Every frame from capture, before any gate: the lock screen's look, and whether the screen changed after an Enter.</summary>
    public void ObserveFrame(long time, CapturedFrame frame)
    {
        if (!_enabled || _phase == Phase.Idle || !TryDecode(frame, _latestScreen))
        {
            return;
        }

        _lastFrameAt = Math.Max(_lastFrameAt, time);
        if (_phase == Phase.AfterEnter && _screenDecides && time > _enterReleasedAt && !_enterDown)
        {
            int blocks = _latestScreen.Width * _latestScreen.Height;
            int changed = ChangeDetector.CountChangedBlocks(_latestScreen, _lockScreen, ChangedBlockThreshold);
            if (blocks > 0 && changed >= _screenChangeFraction * blocks)
            {
                End(time, LockScreenSuppressionEnd.EnterThenScreenChanged);
            }
        }
    }

    /// <summary>A trigger (host resume, re-enumeration, signal back, appliance start) at <paramref name="time"/>, if enabled.</summary>
    public void Trigger(long time, LockScreenTrigger trigger)
    {
        if (_enabled && (_triggers & Flag(trigger)) != 0)
        {
            Start(time, (int)trigger);
        }
    }

    /// <summary>The detector's clock moved to <paramref name="now"/>: a grace period without capture may be over.</summary>
    public void Advance(long now)
    {
        if (_phase == Phase.AfterEnter && !_screenDecides && !_enterDown && now - _enterReleasedAt >= _graceNanoseconds)
        {
            End(_enterReleasedAt + _graceNanoseconds, LockScreenSuppressionEnd.EnterThenGracePeriod);
        }
    }

    /// <summary>Whether a key stamped <paramref name="time"/> falls inside a suppression interval (start exclusive, end inclusive).</summary>
    public bool IsSuppressed(long time)
    {
        foreach (SuppressionInterval interval in _intervals)
        {
            if (interval.Start < time && time <= interval.End)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Drops intervals the recorder has finished with.</summary>
    public void Prune() => _intervals.RemoveAll(interval => interval.Done);

    public void Dispose()
    {
        _decoder?.Dispose();
        _latestScreen.Clear();
        _lockScreen.Clear();
    }

    private void Start(long time, int cause)
    {
        _enterDown = false;
        if (_phase != Phase.Idle && _intervals.Count > 0 && _intervals[^1].End == long.MaxValue)
        {
            // Already suppressing: a new chord or trigger only means the unlock is still to come.
            _phase = Phase.AwaitingEnter;
            return;
        }

        if (_intervals.Count == MaximumIntervals)
        {
            // Never drop an interval: merge the two oldest, which only suppresses more.
            _intervals[1].Start = _intervals[0].Start;
            _intervals.RemoveAt(0);
        }

        _intervals.Add(new SuppressionInterval { Start = time, End = long.MaxValue, Cause = cause });
        _phase = Phase.AwaitingEnter;
    }

    private void End(long time, LockScreenSuppressionEnd reason)
    {
        SuppressionInterval interval = _intervals[^1];
        interval.End = Math.Max(time, interval.Start);
        interval.EndReason = reason;
        _phase = Phase.Idle;
        _lockScreen.Clear();
        _latestScreen.Clear();
    }

    private bool TryDecode(CapturedFrame frame, FrameThumbnail target)
    {
        if (_decoderUnavailable)
        {
            return false;
        }

        try
        {
            _decoder ??= new JpegThumbnailDecoder();
            _decoder.DecodeThumbnail(frame.EncodedBytes.Span, target);
            return true;
        }
        catch (DllNotFoundException)
        {
            // No libturbojpeg: without a look at the screen the grace period decides, which is the documented fallback.
            _decoderUnavailable = true;
            return false;
        }
        catch (JpegCodecException)
        {
            return false;
        }
    }

    private ChordModifiers HeldModifiers()
    {
        ChordModifiers held = ChordModifiers.None;
        held |= _modifierDown[0] || _modifierDown[4] ? ChordModifiers.Control : 0;
        held |= _modifierDown[1] || _modifierDown[5] ? ChordModifiers.Shift : 0;
        held |= _modifierDown[2] || _modifierDown[6] ? ChordModifiers.Alt : 0;
        held |= _modifierDown[3] || _modifierDown[7] ? ChordModifiers.Gui : 0;
        return held;
    }

    private static int ModifierIndex(ushort code) => code switch
    {
        KeyCodes.LeftCtrl => 0,
        KeyCodes.LeftShift => 1,
        KeyCodes.LeftAlt => 2,
        KeyCodes.LeftMeta => 3,
        KeyCodes.RightCtrl => 4,
        KeyCodes.RightShift => 5,
        KeyCodes.RightAlt => 6,
        KeyCodes.RightMeta => 7,
        _ => -1,
    };

    private static LockScreenTriggers Flag(LockScreenTrigger trigger) => trigger switch
    {
        LockScreenTrigger.HostResumed => LockScreenTriggers.HostResumed,
        LockScreenTrigger.GadgetReenumerated => LockScreenTriggers.GadgetReenumerated,
        LockScreenTrigger.SignalRestored => LockScreenTriggers.SignalRestored,
        LockScreenTrigger.ApplianceStarted => LockScreenTriggers.ApplianceStarted,
        _ => LockScreenTriggers.None,
    };
}

/// <summary>One stretch of monotonic time in which key content is not recorded, and what the recorder has said about it.</summary>
internal sealed class SuppressionInterval
{
    public long Start { get; set; }

    /// <summary><see cref="long.MaxValue"/> while still open.</summary>
    public long End { get; set; }

    /// <summary>A <see cref="LockChord"/> or <see cref="LockScreenTrigger"/> value, as the started marker says.</summary>
    public int Cause { get; init; }

    public LockScreenSuppressionEnd EndReason { get; set; }

    public bool StartWritten { get; set; }

    public bool EndWritten { get; set; }

    public bool Done { get; set; }
}
