using EdgeCapture.Hid;
using EdgeCapture.Recording.Segments;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Recording.Recorder;

/// <summary>
/// The recording side of lock-screen suppression: each key about to be recorded is asked about against the intervals the
/// detector (<see cref="LockScreenSuppression"/>) found, whenever it is recorded (held items come later than they are relayed).
/// A suppressed key is not recorded; only the release of a key whose press was recorded (the chord) still is. Where suppression
/// started and ended is said by content-free markers, stamped at a recorded instant.
/// </summary>
internal sealed partial class LockScreenKeyFilter : IDisposable
{
    private readonly LockScreenSuppression _lockScreen;
    private readonly SessionSealing _sealing;
    private readonly RecorderCounters _counters;
    private readonly ILogger _logger;

    // Keys whose press was recorded (Keyboard/Keypad page usages < 256) so their release is too.
    private readonly bool[] _heldKeys = new bool[256];

    public LockScreenKeyFilter(LockScreenSuppression lockScreen, SessionSealing sealing, RecorderCounters counters, ILogger logger)
    {
        _lockScreen = lockScreen;
        _sealing = sealing;
        _counters = counters;
        _logger = logger;
    }

    public void OnKey(long time, HidUsage usage, bool isDown)
    {
        bool keyboardPage = usage.Page == HidUsagePage.KeyboardKeypad && usage.Id < 256;
        WriteLockScreenMarkers(time);
        if (_lockScreen.IsSuppressed(time) && !(keyboardPage && !isDown && _heldKeys[usage.Id]))
        {
            // Not recorded: typed on a lock screen. The release of a key whose press was recorded (the chord) still is.
            _counters.KeyEventsSuppressed++;
            return;
        }

        if (keyboardPage)
        {
            _heldKeys[usage.Id] = isDown;
        }

        _sealing.WriteKey(time, usage, isDown);
    }

    /// <summary>Says in the open session where suppression started and ended, stamped at a recorded instant (never inside a private interval).</summary>
    private void WriteLockScreenMarkers(long time)
    {
        bool finished = false;
        foreach (SuppressionInterval interval in _lockScreen.Intervals)
        {
            if (!interval.StartWritten && interval.Start < time && time <= interval.End)
            {
                // Prepare may start a session, whose start already says so; write it only if it has not been said.
                if (_sealing.Prepare(time, SegmentEncoder.MaximumSmallRecordLength) && !interval.StartWritten)
                {
                    _sealing.WritePreparedMarker(time, MarkerKind.LockScreenSuppressionStarted, interval.Cause, 0);
                    interval.StartWritten = true;
                }

                LogSuppressionStarted(_logger, interval.Cause);
            }
            else if (interval.End < time && !interval.Done)
            {
                if (interval.StartWritten && !interval.EndWritten)
                {
                    interval.EndWritten = _sealing.WriteMarker(time, MarkerKind.LockScreenSuppressionEnded, (long)interval.EndReason, 0);
                    LogSuppressionEnded(_logger, interval.EndReason);
                }

                interval.Done = true;
                finished = true;
            }
        }

        if (finished)
        {
            _lockScreen.Prune();
        }
    }

    public void Dispose() => Array.Clear(_heldKeys);

    [LoggerMessage(EventId = 409, Level = LogLevel.Information, Message = "Lock-screen key suppression started (cause {Cause})")]
    private static partial void LogSuppressionStarted(ILogger logger, int cause);

    [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "Lock-screen key suppression ended ({Reason})")]
    private static partial void LogSuppressionEnded(ILogger logger, LockScreenSuppressionEnd reason);
}
