// Long (about 600 lines) because it is one state machine over a session's timeline that turns events and frames into
// steps: the open typing run, held button, held-back click, motion and scroll run close one another (a click ends a
// typing run and claims the motion before it), so their fields and the rules between them stay in one file.
using System.Globalization;
using System.Text;
using EdgeCapture.Dataset.Layouts;
using EdgeCapture.Hid;

namespace EdgeCapture.Dataset.Timeline;

/// <summary>
/// Turns one session's input, in time order, into AgentNet-style steps: typed runs become <c>write</c> (Shift, Caps Lock,
/// AltGr and Backspace applied through the layout), chords with Ctrl/Alt/Win become <c>hotkey</c>, other keys
/// <c>press</c>; a press and release in place is a <c>click</c>/<c>rightClick</c> (two left clicks close in time and
/// place a <c>doubleClick</c>), with motion in between a <c>drag</c>; wheel runs are <c>scroll</c>/<c>hscroll</c>;
/// motion that no click follows within <see cref="HoverTime"/> is a <c>moveTo</c>. Each step carries the frame before it
/// began and the first frame after it ended.
/// </summary>
internal sealed class StepBuilder(KeyboardLayout layout, Action<StepRow> emit)
{
    public static readonly long HoverTime = TimeSpan.FromSeconds(1).Ticks * 100;
    private static readonly long DoubleClickTime = TimeSpan.FromMilliseconds(500).Ticks * 100;
    private static readonly long ScrollRunGap = TimeSpan.FromMilliseconds(600).Ticks * 100;
    private const int DragThreshold = 8;
    private const int DoubleClickDistance = 8;

    private const int RecentFrameCount = 16;
    private readonly Queue<FrameReference> _recentFrames = new();
    private readonly List<ushort> _heldModifiers = [];
    private readonly List<StepRow> _awaitingFrameAfter = [];
    private readonly StringBuilder _text = new();
    private int _screenWidth = 1;
    private int _screenHeight = 1;
    private string _source = CoordinateSource.Estimated;
    private bool _capsLock;
    private bool _chordUsedModifiers;
    private long _textStart;
    private FrameReference? _textFrame;
    private long _textEnd;

    // A button held: where and when it went down.
    private string? _downButton;
    private long _downTime;
    private int _downX;
    private int _downY;
    private int _maximumDistance;
    private FrameReference? _downFrame;

    // A left click held back to see whether a second one makes it a double click.
    private StepRow? _pendingClick;
    private int _pendingClickX;
    private int _pendingClickY;

    // Motion not yet claimed by a click.
    private bool _moving;
    private long _moveStart;
    private long _lastMove;
    private int _moveX;
    private int _moveY;
    private FrameReference? _moveFrame;

    // A scroll run.
    private bool _scrollVertical;
    private int _scrollAmount;
    private long _scrollStart;
    private long _scrollLast;
    private int _scrollX;
    private int _scrollY;
    private FrameReference? _scrollFrame;

    public void Begin(int screenWidth, int screenHeight)
    {
        _screenWidth = Math.Max(1, screenWidth);
        _screenHeight = Math.Max(1, screenHeight);
        _recentFrames.Clear();
    }

    public void Frame(FrameReference frame)
    {
        _recentFrames.Enqueue(frame);
        if (_recentFrames.Count > RecentFrameCount)
        {
            _recentFrames.Dequeue();
        }

        for (int index = 0; index < _awaitingFrameAfter.Count; index++)
        {
            StepRow step = _awaitingFrameAfter[index];
            if (frame.TimeNanoseconds > step.EndNanoseconds)
            {
                step.FrameAfter = frame;
                emit(step);
                _awaitingFrameAfter.RemoveAt(index);
                index--;
            }
            else
            {
                // Steps complete in order: a later one cannot have its frame yet either.
                break;
            }
        }
    }

    /// <summary>Called before every input with its time: closes what time alone closes (hover, scroll run, double click window).</summary>
    public void Observe(long time, string coordinateSource)
    {
        _source = coordinateSource;
        if (_moving && _downButton is null && time - _lastMove > HoverTime)
        {
            EmitMoveTo();
        }

        if (_scrollAmount != 0 && time - _scrollLast > ScrollRunGap)
        {
            EmitScroll();
        }

        if (_pendingClick is not null && time - _pendingClick.EndNanoseconds > DoubleClickTime)
        {
            Complete(_pendingClick);
            _pendingClick = null;
        }
    }

    public void Move(long time, int x, int y)
    {
        if (_downButton is not null)
        {
            _maximumDistance = Math.Max(_maximumDistance, Math.Max(Math.Abs(x - _downX), Math.Abs(y - _downY)));
            return;
        }

        FlushText();
        if (_scrollAmount != 0)
        {
            EmitScroll();
        }

        if (!_moving)
        {
            _moving = true;
            _moveStart = time;
            _moveFrame = FrameAtOrBefore(time);
        }

        _lastMove = time;
        _moveX = x;
        _moveY = y;
    }

    public void Button(long time, string button, bool down, int x, int y)
    {
        FlushText();
        if (_scrollAmount != 0)
        {
            EmitScroll();
        }

        if (down)
        {
            if (_downButton is not null)
            {
                // A second button while one is held: the first one's step decides; this one is in the events only.
                return;
            }

            // Motion that led here is part of the click, not a moveTo.
            _moving = false;
            if (_pendingClick is not null && (button != "left" || time - _pendingClick.EndNanoseconds > DoubleClickTime
                || Math.Abs(x - _pendingClickX) > DoubleClickDistance || Math.Abs(y - _pendingClickY) > DoubleClickDistance))
            {
                Complete(_pendingClick);
                _pendingClick = null;
            }

            _downButton = button;
            _downTime = time;
            _downX = x;
            _downY = y;
            _maximumDistance = 0;
            _downFrame = _pendingClick?.FrameBefore ?? FrameAtOrBefore(time);
            return;
        }

        if (_downButton != button)
        {
            return;
        }

        _downButton = null;
        if (_maximumDistance > DragThreshold && button == "left")
        {
            Complete(new StepRow
            {
                Action = "drag",
                StartNanoseconds = _downTime,
                EndNanoseconds = time,
                X = NormaliseX(_downX),
                Y = NormaliseY(_downY),
                EndX = NormaliseX(x),
                EndY = NormaliseY(y),
                Button = button,
                Code = Invariant($"pyautogui.moveTo(x={NormaliseX(_downX):0.####}, y={NormaliseY(_downY):0.####})\npyautogui.dragTo(x={NormaliseX(x):0.####}, y={NormaliseY(y):0.####}, button='left')"),
                CoordinateSource = _source,
                FrameBefore = _downFrame,
            });
            return;
        }

        if (button == "left" && _pendingClick is not null)
        {
            StepRow first = _pendingClick;
            _pendingClick = null;
            Complete(new StepRow
            {
                Action = "doubleClick",
                StartNanoseconds = first.StartNanoseconds,
                EndNanoseconds = time,
                X = first.X,
                Y = first.Y,
                Button = button,
                Code = Invariant($"pyautogui.doubleClick(x={first.X:0.####}, y={first.Y:0.####})"),
                CoordinateSource = _source,
                FrameBefore = first.FrameBefore,
            });
            return;
        }

        (string action, string function) = button switch
        {
            "right" => ("rightClick", "rightClick"),
            "middle" => ("click", "middleClick"),
            _ => ("click", "click"),
        };
        var click = new StepRow
        {
            Action = action,
            StartNanoseconds = _downTime,
            EndNanoseconds = time,
            X = NormaliseX(_downX),
            Y = NormaliseY(_downY),
            Button = button,
            Code = Invariant($"pyautogui.{function}(x={NormaliseX(_downX):0.####}, y={NormaliseY(_downY):0.####})"),
            CoordinateSource = _source,
            FrameBefore = _downFrame,
        };
        if (button == "left")
        {
            _pendingClick = click;
            _pendingClickX = _downX;
            _pendingClickY = _downY;
        }
        else
        {
            Complete(click);
        }
    }

    public void Wheel(long time, int wheel, int pan, int x, int y)
    {
        FlushText();
        if (_moving && _downButton is null)
        {
            EmitMoveTo();
        }

        if (_pendingClick is not null)
        {
            Complete(_pendingClick);
            _pendingClick = null;
        }

        foreach ((int amount, bool vertical) in new[] { (wheel, true), (pan, false) })
        {
            if (amount == 0)
            {
                continue;
            }

            if (_scrollAmount != 0 && (_scrollVertical != vertical || Math.Sign(_scrollAmount) != Math.Sign(amount)))
            {
                EmitScroll();
            }

            if (_scrollAmount == 0)
            {
                _scrollVertical = vertical;
                _scrollStart = time;
                _scrollX = x;
                _scrollY = y;
                _scrollFrame = FrameAtOrBefore(time);
            }

            _scrollAmount += amount;
            _scrollLast = time;
        }
    }

    public void Key(long time, HidUsage usage, bool down)
    {
        bool keyboardPage = usage.Page == HidUsagePage.KeyboardKeypad;
        if (keyboardPage && KeyboardUsage.IsModifier((byte)Math.Min(usage.Id, (ushort)255)) && usage.Id <= 0xFF)
        {
            if (down)
            {
                if (!_heldModifiers.Contains(usage.Id))
                {
                    _heldModifiers.Add(usage.Id);
                }

                if (_heldModifiers.Count == 1)
                {
                    _chordUsedModifiers = false;
                }
            }
            else
            {
                bool wasAlone = _heldModifiers.Count == 1 && !_chordUsedModifiers;
                _heldModifiers.Remove(usage.Id);
                if (wasAlone && usage.Id is 0xE3 or 0xE7)
                {
                    // The Windows/Command key tapped alone opens the start menu: a press step.
                    FlushText();
                    FlushPointerSteps();
                    Complete(Press(time, time, "win"));
                }
            }

            return;
        }

        if (!down)
        {
            return;
        }

        _chordUsedModifiers = true;
        bool control = Held(0xE0) || Held(0xE4);
        bool altGraph = layout.HasAltGraph && Held(0xE6);
        bool alt = Held(0xE2) || (!layout.HasAltGraph && Held(0xE6));
        bool gui = Held(0xE3) || Held(0xE7);
        bool shift = Held(0xE1) || Held(0xE5);
        string? name = layout.KeyName(usage);
        if (keyboardPage && usage.Id == 0x39)
        {
            _capsLock = !_capsLock;
            return;
        }

        if (control || alt || gui)
        {
            FlushText();
            FlushPointerSteps();
            var keys = new List<string>();
            foreach (ushort modifier in _heldModifiers)
            {
                string? modifierName = altGraph && modifier == 0xE6 ? null : KeyNames.HotkeyModifier(modifier);
                if (modifierName is not null && !keys.Contains(modifierName))
                {
                    keys.Add(modifierName);
                }
            }

            keys.Add(name ?? usage.ToString());
            string list = string.Join(", ", keys.Select(key => "'" + PythonEscape(key) + "'"));
            Complete(new StepRow
            {
                Action = "hotkey",
                StartNanoseconds = time,
                EndNanoseconds = time,
                Keys = string.Join("+", keys),
                Code = $"pyautogui.hotkey(keys=[{list}])",
                FrameBefore = FrameAtOrBefore(time),
            });
            return;
        }

        if (keyboardPage && usage.Id == 0x2A)
        {
            if (_text.Length > 0)
            {
                _text.Length--;
                _textEnd = time;
                return;
            }

            FlushPointerSteps();
            Complete(Press(time, time, "backspace"));
            return;
        }

        string? typed = keyboardPage ? layout.Type(usage.Id, shift ^ (_capsLock && layout.IsLetter(usage.Id)), altGraph) : null;
        if (typed is not null && typed != "\n" && typed != "\t")
        {
            FlushPointerSteps();
            if (_text.Length == 0)
            {
                _textStart = time;
                _textFrame = FrameAtOrBefore(time);
            }

            _text.Append(typed);
            _textEnd = time;
            return;
        }

        FlushText();
        FlushPointerSteps();
        if (name is not null)
        {
            Complete(Press(time, time, name));
        }
    }

    /// <summary>A pause, resume or suppression marker: nothing typed or clicked continues across it.</summary>
    public void Interrupt()
    {
        FlushText();
        FlushPointerSteps();
        _heldModifiers.Clear();
        _downButton = null;
    }

    /// <summary>Ends the session: everything open is emitted; steps still waiting for a frame after get none.</summary>
    public void End()
    {
        Interrupt();
        foreach (StepRow step in _awaitingFrameAfter)
        {
            emit(step);
        }

        _awaitingFrameAfter.Clear();
        _recentFrames.Clear();
        (_textFrame, _downFrame, _moveFrame, _scrollFrame) = (null, null, null, null);
        _capsLock = false;
    }

    /// <summary>Every frame held until a later segment: recent frames, the frames open steps began on, steps awaiting a frame after.</summary>
    public IEnumerable<FrameReference> HeldFrames()
    {
        foreach (FrameReference frame in _recentFrames)
        {
            yield return frame;
        }

        foreach (FrameReference? frame in new[] { _textFrame, _downFrame, _moveFrame, _scrollFrame, _pendingClick?.FrameBefore, _pendingClick?.FrameAfter })
        {
            if (frame is not null)
            {
                yield return frame;
            }
        }

        foreach (StepRow step in _awaitingFrameAfter)
        {
            if (step.FrameBefore is not null)
            {
                yield return step.FrameBefore;
            }

            if (step.FrameAfter is not null)
            {
                yield return step.FrameAfter;
            }
        }
    }

    private bool Held(ushort usage) => _heldModifiers.Contains(usage);

    private void FlushPointerSteps()
    {
        if (_moving && _downButton is null)
        {
            EmitMoveTo();
        }

        if (_scrollAmount != 0)
        {
            EmitScroll();
        }

        if (_pendingClick is not null)
        {
            Complete(_pendingClick);
            _pendingClick = null;
        }
    }

    private void FlushText()
    {
        if (_text.Length == 0)
        {
            return;
        }

        string text = _text.ToString();
        _text.Clear();
        Complete(new StepRow
        {
            Action = "write",
            StartNanoseconds = _textStart,
            EndNanoseconds = _textEnd,
            Text = text,
            Code = $"pyautogui.write(message='{PythonEscape(text)}')",
            FrameBefore = _textFrame,
        });
    }

    private void EmitMoveTo()
    {
        _moving = false;
        Complete(new StepRow
        {
            Action = "moveTo",
            StartNanoseconds = _moveStart,
            EndNanoseconds = _lastMove,
            X = NormaliseX(_moveX),
            Y = NormaliseY(_moveY),
            Code = Invariant($"pyautogui.moveTo(x={NormaliseX(_moveX):0.####}, y={NormaliseY(_moveY):0.####})"),
            CoordinateSource = _source,
            FrameBefore = _moveFrame,
        });
    }

    private void EmitScroll()
    {
        int amount = _scrollAmount;
        _scrollAmount = 0;
        Complete(new StepRow
        {
            Action = _scrollVertical ? "scroll" : "hscroll",
            StartNanoseconds = _scrollStart,
            EndNanoseconds = _scrollLast,
            X = NormaliseX(_scrollX),
            Y = NormaliseY(_scrollY),
            Amount = amount,
            Code = Invariant($"pyautogui.{(_scrollVertical ? "scroll" : "hscroll")}({amount})"),
            CoordinateSource = _source,
            FrameBefore = _scrollFrame,
        });
    }

    private StepRow Press(long start, long end, string key) => new()
    {
        Action = "press",
        StartNanoseconds = start,
        EndNanoseconds = end,
        Keys = key,
        Code = $"pyautogui.press(keys='{PythonEscape(key)}')",
        FrameBefore = FrameAtOrBefore(start),
    };

    /// <summary>The latest of the last 16 frames stamped at or before <paramref name="time"/> (the translator's pointer correction asks too).</summary>
    public FrameReference? FrameAtOrBefore(long time) => FrameReference.LatestAtOrBefore(_recentFrames, time);

    private void Complete(StepRow step)
    {
        if (_awaitingFrameAfter.Count == 0)
        {
            // Held back (a click awaiting its double, a run closed late): the frame after it may already have gone by.
            foreach (FrameReference frame in _recentFrames)
            {
                if (frame.TimeNanoseconds > step.EndNanoseconds)
                {
                    step.FrameAfter = frame;
                    emit(step);
                    return;
                }
            }
        }

        _awaitingFrameAfter.Add(step);
    }

    private double NormaliseX(int x) => Math.Round((double)x / _screenWidth, 4);

    private double NormaliseY(int y) => Math.Round((double)y / _screenHeight, 4);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Escapes text for a single-quoted Python string literal.</summary>
    internal static string PythonEscape(string text)
    {
        var builder = new StringBuilder(text.Length + 8);
        foreach (char character in text)
        {
            switch (character)
            {
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\'':
                    builder.Append("\\'");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                default:
                    builder.Append(character);
                    break;
            }
        }

        return builder.ToString();
    }
}
