using EdgeCapture.Dataset.Layouts;
using EdgeCapture.Dataset.Reading;
using EdgeCapture.Hid;
using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Dataset.Timeline;

/// <summary>
/// Turns one session's decoded segments, in order, into event rows, steps and frames for the sinks. Private time
/// appears only as markers (pause at the privacy cut, resume where recording became possible), lock-screen suppression
/// only as content-free <c>suppressed</c> markers, and forget markers not at all. Times are the box's monotonic clock;
/// wall-clock times come from each segment header's anchor pair.
/// </summary>
/// <remarks>
/// Pointer coordinates: in absolute pointer mode the recorder seals, after each mouse record that moved the pointer, a
/// <see cref="PointerPositionRecord"/> with the position the box sent the host (screen pixels of the captured screen). From
/// the first one on, rows say <c>absolute</c> and carry that position (a mouse record without one did not move the pointer
/// by a pixel), and no frame correction is tried. Before it, and after a dropped-events marker (a position may have been
/// lost), positions are <c>estimated</c>: integrated from the last known one and corrected at presses from the frame before.
/// </remarks>
internal sealed class SessionTranslator
{
    private const int AssumedScreenWidth = 1920;
    private const int AssumedScreenHeight = 1080;

    /// <summary>The first window the pointer is looked for in, in screen pixels around the estimate (see <see cref="LocateNearestFirst"/>).</summary>
    private const int FirstSearchRadius = 64;
    private static readonly long CorrectionFrameAge = TimeSpan.FromSeconds(2).Ticks * 100;
    private static readonly (MouseButtons Button, string Name)[] ButtonNames =
    [
        (MouseButtons.Left, "left"), (MouseButtons.Right, "right"), (MouseButtons.Middle, "middle"), (MouseButtons.Back, "back"), (MouseButtons.Forward, "forward"),
    ];

    private readonly IDatasetSink _sink;
    private readonly KeyboardLayout _layout;
    private readonly IPointerLocator? _locator;
    private readonly StepBuilder _steps;
    private SessionSummary? _summary;
    private PointerEstimator _pointer = new(AssumedScreenWidth, AssumedScreenHeight);
    private MouseButtons _buttons;
    private long _monotonicAnchor;
    private long _wallClockAnchor;
    private int _screenWidth = AssumedScreenWidth;
    private int _screenHeight = AssumedScreenHeight;
    private readonly EstimateTrail _trail = new();
    private bool _positionKnown;
    private MouseRecord? _heldMouse;
    private SegmentPlaintext? _plaintext;

    public SessionTranslator(IDatasetSink sink, KeyboardLayout layout, IPointerLocator? locator)
    {
        _sink = sink;
        _layout = layout;
        _locator = locator;
        _steps = new StepBuilder(layout, step =>
        {
            step.StartWallClockNanoseconds = WallClock(step.StartNanoseconds);
            step.Index = (int)_summary!.Steps;
            _summary.Steps++;
            _sink.Step(step);
        });
    }

    public void BeginSession(Guid sessionId, SegmentHeader firstHeader)
    {
        (_screenWidth, _screenHeight) = firstHeader.Screen is { Width: > 0, Height: > 0 } screen ? (screen.Width, screen.Height) : (AssumedScreenWidth, AssumedScreenHeight);
        _pointer = new PointerEstimator(_screenWidth, _screenHeight);
        _buttons = MouseButtons.None;
        _trail.Reset(_pointer.X, _pointer.Y, _pointer.SearchRadius);
        _positionKnown = false;
        _heldMouse = null;
        _monotonicAnchor = firstHeader.MonotonicAnchorNanoseconds;
        _wallClockAnchor = firstHeader.WallClockAnchorUnixNanoseconds;
        _summary = new SessionSummary
        {
            SessionId = sessionId,
            DeviceId = firstHeader.DeviceId,
            ScreenWidth = _screenWidth,
            ScreenHeight = _screenHeight,
            WallClockStartNanoseconds = _wallClockAnchor,
        };
        _steps.Begin(_screenWidth, _screenHeight);
        _sink.BeginSession(new SessionInfo(sessionId, firstHeader.DeviceId, _screenWidth, _screenHeight, firstHeader.Screen is not null, _monotonicAnchor, _wallClockAnchor));
    }

    /// <summary>Translates one segment.</summary>
    /// <param name="contents">The decoded segment.</param>
    /// <param name="plaintext">The pooled buffer its frames are slices of, or null when they own their bytes.</param>
    public void Segment(SegmentContents contents, SegmentPlaintext? plaintext = null)
    {
        _plaintext = plaintext;
        SessionSummary summary = _summary ?? throw new InvalidOperationException("BeginSession first.");
        summary.Segments++;
        _monotonicAnchor = contents.Header.MonotonicAnchorNanoseconds;
        _wallClockAnchor = contents.Header.WallClockAnchorUnixNanoseconds;
        foreach (SegmentRecord record in contents.Records)
        {
            if (_heldMouse is { } held)
            {
                // A mouse record waits for the record after it: the position its frame moved the pointer to follows it.
                _heldMouse = null;
                if (record is PointerPositionRecord position && position.MonotonicNanoseconds == held.MonotonicNanoseconds)
                {
                    OnMouse(held, position);
                    continue;
                }

                OnMouse(held, position: null);
            }

            switch (record)
            {
                case KeyRecord key:
                    OnKey(key);
                    break;
                case MouseRecord mouse:
                    _heldMouse = mouse;
                    break;
                case PointerPositionRecord position:
                    OnPositionAlone(position);
                    break;
                case FrameRecord frame:
                    OnFrame(frame);
                    break;
                case MarkerRecord marker:
                    OnMarker(marker);
                    break;
                default:
                    break;
            }
        }

        summary.WallClockEndNanoseconds = WallClock(contents.Trailer.EndMonotonicNanoseconds);
    }

    /// <summary>
    /// Every frame held between segments: all live in the step builder (its recent frames, which the correction also
    /// searches, and open steps). The buffers they are slices of stay out of the pool
    /// (<see cref="PlaintextPool.ReleaseUnreferenced"/>); a holder missing here fails loudly when its frame is read
    /// (<see cref="FrameReference.Jpeg"/>).
    /// </summary>
    public IEnumerable<FrameReference> HeldFrames() => _steps.HeldFrames();

    public SessionSummary EndSession()
    {
        SessionSummary summary = _summary ?? throw new InvalidOperationException("BeginSession first.");
        if (_heldMouse is { } held)
        {
            _heldMouse = null;
            OnMouse(held, position: null);
        }

        _steps.End();
        _sink.EndSession(summary);
        _summary = null;
        return summary;
    }

    private long WallClock(long monotonic) => _wallClockAnchor + (monotonic - _monotonicAnchor);

    private void OnKey(KeyRecord key)
    {
        _steps.Observe(key.MonotonicNanoseconds, CurrentSource);
        _steps.Key(key.MonotonicNanoseconds, key.Usage, key.IsDown);
        Emit(new EventRow
        {
            TimeNanoseconds = key.MonotonicNanoseconds,
            Action = key.IsDown ? "press" : "release",
            Pressed = key.IsDown,
            Key = _layout.KeyName(key.Usage) ?? key.Usage.ToString(),
            UsagePage = key.Usage.Page,
            UsageId = key.Usage.Id,
        });
    }

    private string CurrentSource => _positionKnown ? CoordinateSource.Absolute : CoordinateSource.Estimated;

    /// <summary>One mouse record, with the absolute position its frame moved the pointer to (absolute pointer mode), if any.</summary>
    private void OnMouse(MouseRecord mouse, PointerPositionRecord? position)
    {
        long time = mouse.MonotonicNanoseconds;
        if (position is not null)
        {
            _pointer.SetAbsolute(position.X, position.Y);
            _positionKnown = true;
        }

        string source = CurrentSource;
        _steps.Observe(time, source);
        if (!_positionKnown)
        {
            // Every frame, motion or not: the host's acceleration depends on the time between them.
            _pointer.Move(mouse.DeltaX, mouse.DeltaY, time);
        }

        if (mouse.DeltaX != 0 || mouse.DeltaY != 0)
        {
            _steps.Move(time, _pointer.PixelX, _pointer.PixelY);
            Emit(new EventRow
            {
                TimeNanoseconds = time,
                Action = "move",
                X = _pointer.PixelX,
                Y = _pointer.PixelY,
                DeltaX = mouse.DeltaX,
                DeltaY = mouse.DeltaY,
                CoordinateSource = source,
            });
        }

        _trail.Add(time, _pointer.X, _pointer.Y, _pointer.SearchRadius);
        MouseButtons changed = mouse.Buttons ^ _buttons;
        foreach ((MouseButtons button, string name) in ButtonNames)
        {
            if ((changed & button) == 0)
            {
                continue;
            }

            bool down = (mouse.Buttons & button) != 0;
            (int? correctionX, int? correctionY) = down && !_positionKnown ? CorrectAtPress(time) : (null, null);
            _steps.Button(time, name, down, _pointer.PixelX, _pointer.PixelY);
            Emit(new EventRow
            {
                TimeNanoseconds = time,
                Action = "click",
                X = _pointer.PixelX,
                Y = _pointer.PixelY,
                Button = name,
                Pressed = down,
                CoordinateSource = source,
                CorrectionX = correctionX,
                CorrectionY = correctionY,
            });
        }

        _buttons = mouse.Buttons;
        if (mouse.Wheel != 0 || mouse.Pan != 0)
        {
            _steps.Wheel(time, mouse.Wheel, mouse.Pan, _pointer.PixelX, _pointer.PixelY);
            Emit(new EventRow
            {
                TimeNanoseconds = time,
                Action = "scroll",
                X = _pointer.PixelX,
                Y = _pointer.PixelY,
                DeltaX = mouse.Pan,
                DeltaY = mouse.Wheel,
                CoordinateSource = source,
            });
        }

        _summary!.CoordinateSources.Add(source);
        if (_positionKnown)
        {
            _summary.AbsolutePointerRecords++;
        }
        else
        {
            _summary.EstimatedPointerRecords++;
        }
    }

    /// <summary>A position with no mouse record of its frame before it (that record was cut off by a segment boundary or lost): the pointer is there now.</summary>
    private void OnPositionAlone(PointerPositionRecord position)
    {
        _pointer.SetAbsolute(position.X, position.Y);
        _positionKnown = true;
        _trail.Add(position.MonotonicNanoseconds, _pointer.X, _pointer.Y, _pointer.SearchRadius);
        _steps.Observe(position.MonotonicNanoseconds, CurrentSource);
        _steps.Move(position.MonotonicNanoseconds, _pointer.PixelX, _pointer.PixelY);
    }

    /// <summary>
    /// Finds the pointer in the frame before a press (the latest stamped at or before it, by time: records are written in
    /// the order the recorder's gates admit them), around the estimate at that frame's time, and moves the estimate by the
    /// error found there; returns the correction applied.
    /// </summary>
    private (int? X, int? Y) CorrectAtPress(long time)
    {
        FrameReference? frame = FrameAtOrBefore(time);
        if (_locator is null || frame is null || time - frame.TimeNanoseconds > CorrectionFrameAge || frame.Width <= 0)
        {
            return (null, null);
        }

        SessionSummary summary = _summary!;
        summary.CorrectionsAttempted++;
        (double estimateX, double estimateY, int radiusAtFrame) = _trail.At(frame.TimeNanoseconds);
        double scale = (double)frame.Width / _screenWidth;
        int radius = (int)Math.Ceiling(Math.Max(_pointer.SearchRadius, radiusAtFrame) * scale);
        if (!LocateNearestFirst(frame, scale, (int)Math.Round(estimateX * scale), (int)Math.Round(estimateY * scale), radius, out int foundX, out int foundY))
        {
            return (null, null);
        }

        double offsetX = (foundX / scale) - estimateX;
        double offsetY = (foundY / scale) - estimateY;
        int beforeX = _pointer.PixelX;
        int beforeY = _pointer.PixelY;
        _pointer.Correct(offsetX, offsetY);
        _trail.Shift(offsetX, offsetY, _screenWidth, _screenHeight);
        int appliedX = _pointer.PixelX - beforeX;
        int appliedY = _pointer.PixelY - beforeY;
        summary.CorrectionsApplied++;
        summary.CorrectionPixelsTotal += Math.Sqrt((appliedX * appliedX) + (appliedY * appliedY));
        return (appliedX, appliedY);
    }

    /// <summary>
    /// Looks for the pointer within <see cref="FirstSearchRadius"/> of the estimate, then within twice that, and so on up
    /// to <paramref name="radius"/>: the first window with a match decides. The estimate is off by less than the full
    /// radius almost always, and a wider window only adds places where a window's corner or a glyph can pass for the
    /// arrow; searched whole at once, such a place with a lower score won over the real pointer near the estimate, and the
    /// wrong correction then carried into every later press.
    /// </summary>
    private bool LocateNearestFirst(FrameReference frame, double scale, int estimateX, int estimateY, int radius, out int foundX, out int foundY)
    {
        // Each wider window searches only the positions the narrower ones did not: they found nothing there.
        int searched = -1;
        for (int ring = Math.Min(radius, (int)Math.Ceiling(FirstSearchRadius * scale)); ; ring = Math.Min(radius, ring * 2))
        {
            if (_locator!.TryLocate(frame, scale, estimateX, estimateY, ring, searched, out foundX, out foundY))
            {
                return true;
            }

            if (ring >= radius)
            {
                return false;
            }

            searched = ring;
        }
    }

    private FrameReference? FrameAtOrBefore(long time) => _steps.FrameAtOrBefore(time);

    private void OnFrame(FrameRecord frame)
    {
        var reference = new FrameReference(frame.MonotonicNanoseconds, frame.Width, frame.Height, frame.Image, _plaintext);
        _summary!.Frames++;
        _steps.Frame(reference);
        _sink.Frame(reference);
    }

    private void OnMarker(MarkerRecord marker)
    {
        string? action = marker.Kind switch
        {
            MarkerKind.PrivacyEngaged => "pause",
            MarkerKind.PrivacyReleased => "resume",
            MarkerKind.LockScreenSuppressionStarted or MarkerKind.LockScreenSuppressionEnded => "suppressed",
            _ => null,
        };
        if (marker.Kind == MarkerKind.DroppedEvents)
        {
            _summary!.DroppedEventsReported += Math.Max(0, marker.Value);

            // A dropped position would leave the last one stale: estimate (and correct from frames) until the next one.
            _positionKnown = false;
        }

        if (action is null)
        {
            // Forget markers, signal and storage notes carry no input: not exported as events.
            return;
        }

        _steps.Interrupt();
        if (action == "pause")
        {
            _summary!.Pauses++;
        }
        else if (action == "suppressed")
        {
            _summary!.Suppressions++;
        }

        Emit(new EventRow
        {
            TimeNanoseconds = marker.MonotonicNanoseconds,
            Action = action,
            Marker = marker.Kind switch
            {
                MarkerKind.PrivacyEngaged => "privacy",
                MarkerKind.PrivacyReleased => "privacy",
                MarkerKind.LockScreenSuppressionStarted => "lock_screen_begin",
                _ => "lock_screen_end",
            },
        });
    }

    private void Emit(EventRow row)
    {
        row.WallClockNanoseconds = WallClock(row.TimeNanoseconds);
        _summary!.Events++;
        _sink.Event(in row);
    }
}
