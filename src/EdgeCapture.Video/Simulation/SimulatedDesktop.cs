// Long (about 550 lines) because it is one deterministic renderer whose windows, menus and pointer react to the same
// script state; split by window, the drawing order and the shared state would be spread over files.
using EdgeCapture.Input.Evdev;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Video.Sampling;

namespace EdgeCapture.Video.Simulation;

/// <summary>
/// Renders a desktop-like screen for a <see cref="DesktopActivityScript"/>, so simulated frames and simulated input agree:
/// three windows (editor, browser, terminal) and a taskbar clock; typed text appears in the focused window, clicks focus
/// the window under the pointer, right clicks open a context menu, Alt+Tab and the Meta key switch windows and toggle a
/// start menu, Ctrl+S/Z/V/Shift+T change title, text and page, the wheel scrolls, and the pointer is drawn where the
/// script puts it. The screen reacts <see cref="DisplayLatency"/> after each input. Deterministic for a seed.
/// Time must only move forward between calls.
/// </summary>
public sealed partial class SimulatedDesktop
{
    /// <summary>How long after an input the screen shows its effect.</summary>
    public static readonly TimeSpan DisplayLatency = TimeSpan.FromMilliseconds(20);

    private const int TextScale = 2;
    private const int LineHeight = 20;
    private const int CharacterAdvance = (BitmapFont.GlyphWidth + 1) * TextScale;

    private static readonly YuvColor DesktopColor = YuvColor.FromRgb(32, 96, 112);
    private static readonly YuvColor TaskbarColor = YuvColor.FromRgb(28, 28, 36);
    private static readonly YuvColor FocusedTitleColor = YuvColor.FromRgb(40, 90, 200);
    private static readonly YuvColor TitleColor = YuvColor.FromRgb(150, 150, 160);
    private static readonly YuvColor White = YuvColor.FromRgb(250, 250, 250);
    private static readonly YuvColor Ink = YuvColor.FromRgb(20, 20, 24);
    private static readonly YuvColor TerminalColor = YuvColor.FromRgb(12, 12, 12);
    private static readonly YuvColor TerminalInk = YuvColor.FromRgb(80, 230, 90);
    private static readonly YuvColor LightGrey = YuvColor.FromRgb(225, 225, 230);
    private static readonly YuvColor MenuColor = YuvColor.FromRgb(240, 240, 244);
    private static readonly YuvColor[] PictureColors =
    [
        YuvColor.FromRgb(200, 80, 60), YuvColor.FromRgb(60, 160, 90), YuvColor.FromRgb(230, 180, 40), YuvColor.FromRgb(90, 90, 200),
    ];

    private readonly DesktopActivityScript _script;
    private readonly int _seed;
    private readonly List<SceneEvent> _events;
    private readonly SimulatedWindow[] _windows;
    private readonly List<int> _zOrder = [0, 1, 2];
    private int _nextEvent;
    private bool _contextMenuOpen;
    private int _contextMenuX;
    private int _contextMenuY;
    private bool _startMenuOpen;
    private int _clockMinute = -1;
    private string _lastTyped = string.Empty;
    private byte[] _base = [];
    private int _baseWidth;
    private int _baseHeight;
    private long _baseVersion = -1;

    /// <summary>Prepares the desktop for <paramref name="script"/>.</summary>
    public SimulatedDesktop(DesktopActivityScript script, int seed)
    {
        ArgumentNullException.ThrowIfNull(script);
        _script = script;
        _seed = seed;
        _events = BuildSceneEvents(script);
        _windows =
        [
            new SimulatedWindow(WindowKind.Editor, "notes.txt - Editor", 0.14, 0.10, 0.56, 0.62),
            new SimulatedWindow(WindowKind.Browser, "Intranet - Browser", 0.30, 0.16, 0.62, 0.70),
            new SimulatedWindow(WindowKind.Terminal, "Terminal", 0.06, 0.45, 0.42, 0.44),
        ];
        _windows[0].Lines.AddRange(["Meeting notes", "- budget review on Thursday", "- send the Q3 figures", string.Empty]);
        _windows[2].Lines.AddRange(["$ uptime", " 09:00:01 up 3 days,  2 users", "$ "]);
    }

    /// <summary>Changes every time something other than the pointer changes on screen.</summary>
    public long SceneVersion { get; private set; }

    /// <summary>The script being rendered.</summary>
    public DesktopActivityScript Script => _script;

    /// <summary>
    /// The input actions the sampler aligns to, at script time: every key press of typed text and chords, every button press,
    /// every wheel or pan step.
    /// </summary>
    public static IReadOnlyList<(TimeSpan At, InputActionKind Kind)> ActionsOf(DesktopActivityScript script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var actions = new List<(TimeSpan, InputActionKind)>();
        foreach (SimulatedAction action in script.Actions)
        {
            switch (action.Kind)
            {
                case SimulatedActionKind.TypeText when action.Text.Length > 0:
                    TimeSpan slot = action.Duration / action.Text.Length;
                    for (int index = 0; index < action.Text.Length; index++)
                    {
                        actions.Add((action.At + (slot * index), InputActionKind.Key));
                    }

                    break;
                case SimulatedActionKind.KeyChord:
                    actions.Add((action.At, InputActionKind.Key));
                    break;
                case SimulatedActionKind.MouseButton when action.IsPress:
                    actions.Add((action.At, InputActionKind.Click));
                    break;
                case SimulatedActionKind.Scroll:
                    int steps = Math.Abs(action.WheelDetents) + Math.Abs(action.PanDetents);
                    for (int step = 0; step < steps; step++)
                    {
                        actions.Add((action.At + (action.Duration * step / steps), InputActionKind.Scroll));
                    }

                    break;
                default:
                    break;
            }
        }

        return [.. actions.OrderBy(a => a.Item1)];
    }

    /// <summary>Renders the screen at script time <paramref name="at"/> into a packed UYVY buffer.</summary>
    public void Render(TimeSpan at, Span<byte> uyvy, int width, int height, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 64);
        if (stride < width * 2 || (long)stride * height > uyvy.Length)
        {
            throw new ArgumentException($"{uyvy.Length} bytes cannot hold {width}x{height} at stride {stride}.", nameof(uyvy));
        }

        Advance(at);
        if (_baseVersion != SceneVersion || _baseWidth != width || _baseHeight != height || _base.Length != stride * height)
        {
            if (_base.Length != stride * height)
            {
                _base = new byte[stride * height];
            }

            RenderScene(new UyvyCanvas(_base, width, height, stride));
            _baseVersion = SceneVersion;
            _baseWidth = width;
            _baseHeight = height;
        }

        _base.AsSpan().CopyTo(uyvy);
        (int pointerX, int pointerY) = _script.PointerPositionAt(at);
        DrawPointer(
            new UyvyCanvas(uyvy, width, height, stride),
            pointerX * width / DesktopActivityScript.ScreenWidth,
            pointerY * height / DesktopActivityScript.ScreenHeight);
    }

    private void Advance(TimeSpan at)
    {
        int minute = (int)at.TotalMinutes;
        if (minute != _clockMinute)
        {
            _clockMinute = minute;
            SceneVersion++;
        }

        while (_nextEvent < _events.Count && _events[_nextEvent].At <= at)
        {
            Apply(_events[_nextEvent]);
            _nextEvent++;
            SceneVersion++;
        }
    }

    private SimulatedWindow Focused => _windows[_zOrder[^1]];

    private void Apply(SceneEvent sceneEvent)
    {
        if (ApplyWhileLocked(sceneEvent))
        {
            // Win+L, and while locked everything: the lock screen takes it (SimulatedDesktop.LockScreen.cs).
            return;
        }

        switch (sceneEvent.Kind)
        {
            case SceneEventKind.StartLine:
                _contextMenuOpen = false;
                Focused.StartLine();
                _lastTyped = string.Empty;
                break;
            case SceneEventKind.Character:
                Focused.Append(sceneEvent.Character);
                _lastTyped += sceneEvent.Character;
                break;
            case SceneEventKind.Chord:
                ApplyChord(sceneEvent.KeyCodes);
                break;
            case SceneEventKind.LeftClick:
                _contextMenuOpen = false;
                _startMenuOpen = false;
                FocusWindowAt(sceneEvent.X, sceneEvent.Y);
                break;
            case SceneEventKind.RightClick:
                _contextMenuOpen = true;
                _contextMenuX = sceneEvent.X;
                _contextMenuY = sceneEvent.Y;
                break;
            case SceneEventKind.ScrollStep:
                Focused.ScrollOffset = Math.Max(0, Focused.ScrollOffset + (sceneEvent.Delta * 3));
                break;
            default:
                break;
        }
    }

    private void ApplyChord(ushort[] keys)
    {
        _contextMenuOpen = false;
        if (keys.Contains(KeyCodes.LeftAlt) && keys.Contains(KeyCodes.Tab))
        {
            // Alt+Tab: the window behind the focused one comes to the front.
            int second = _zOrder[^2];
            _zOrder.RemoveAt(_zOrder.Count - 2);
            _zOrder.Add(second);
        }
        else if (keys.Length == 1 && keys[0] == KeyCodes.LeftMeta)
        {
            _startMenuOpen = !_startMenuOpen;
        }
        else if (keys.Contains(KeyCodes.LeftCtrl) && keys.Contains(KeyCodes.LeftShift) && keys.Contains(KeyCodes.T))
        {
            _windows[1].PageNumber++;
            _windows[1].ScrollOffset = 0;
        }
        else if (keys.Contains(KeyCodes.LeftCtrl) && keys.Contains(KeyCodes.S))
        {
            Focused.SaveCount++;
        }
        else if (keys.Contains(KeyCodes.LeftCtrl) && keys.Contains(KeyCodes.Z))
        {
            Focused.UndoLine();
        }
        else if (keys.Contains(KeyCodes.LeftCtrl) && keys.Contains(KeyCodes.V))
        {
            Focused.StartLine();
            foreach (char character in _lastTyped)
            {
                Focused.Append(character);
            }
        }
        else if (keys.Contains(KeyCodes.LeftCtrl) && keys.Contains(KeyCodes.C))
        {
            Focused.StatusText = "Copied";
        }
    }

    private void FocusWindowAt(int x, int y)
    {
        for (int index = _zOrder.Count - 1; index >= 0; index--)
        {
            SimulatedWindow window = _windows[_zOrder[index]];
            (int left, int top, int width, int height) = window.Bounds(DesktopActivityScript.ScreenWidth, DesktopActivityScript.ScreenHeight);
            if (x >= left && x < left + width && y >= top && y < top + height)
            {
                int windowIndex = _zOrder[index];
                _zOrder.RemoveAt(index);
                _zOrder.Add(windowIndex);
                return;
            }
        }
    }

    private void RenderScene(UyvyCanvas canvas)
    {
        int width = canvas.Width;
        int height = canvas.Height;
        int taskbarHeight = Math.Max(24, height / 27);
        if (_locked)
        {
            RenderLockScreen(canvas);
            return;
        }

        canvas.FillRectangle(0, 0, width, height, DesktopColor);
        for (int icon = 0; icon < 5; icon++)
        {
            int y = 30 + (icon * 90);
            canvas.FillRectangle(30, y, 48, 48, PictureColors[icon % PictureColors.Length]);
            canvas.DrawText(24, y + 54, $"file{icon + 1}", White, 1, 120);
        }

        foreach (int index in _zOrder)
        {
            DrawWindow(canvas, _windows[index], index == _zOrder[^1]);
        }

        canvas.FillRectangle(0, height - taskbarHeight, width, taskbarHeight, TaskbarColor);
        int buttonX = 80;
        foreach (SimulatedWindow window in _windows)
        {
            canvas.FillRectangle(buttonX, height - taskbarHeight + 4, 170, taskbarHeight - 8, window == Focused ? FocusedTitleColor : TitleColor);
            canvas.DrawText(buttonX + 8, height - taskbarHeight + 8, window.Title.AsSpan(0, Math.Min(12, window.Title.Length)), White, 1, buttonX + 166);
            buttonX += 180;
        }

        int minutes = (9 * 60) + _clockMinute;
        canvas.DrawText(width - 90, height - taskbarHeight + 6, $"{minutes / 60 % 24:00}:{minutes % 60:00}", White, 2, width);
        if (_startMenuOpen)
        {
            canvas.FillRectangle(0, height - taskbarHeight - 420, 340, 420, MenuColor);
            string[] entries = ["Files", "Mail", "Calendar", "Settings", "Terminal", "Browser", "Log out"];
            for (int entry = 0; entry < entries.Length; entry++)
            {
                canvas.DrawText(24, height - taskbarHeight - 400 + (entry * 52), entries[entry], Ink, 3, 330);
            }
        }

        if (_contextMenuOpen)
        {
            int x = _contextMenuX * width / DesktopActivityScript.ScreenWidth;
            int y = _contextMenuY * height / DesktopActivityScript.ScreenHeight;
            canvas.FillRectangle(x, y, 200, 150, MenuColor);
            string[] entries = ["Cut", "Copy", "Paste", "Properties"];
            for (int entry = 0; entry < entries.Length; entry++)
            {
                canvas.DrawText(x + 14, y + 12 + (entry * 34), entries[entry], Ink, 2, x + 196);
            }
        }
    }

    private void DrawWindow(UyvyCanvas canvas, SimulatedWindow window, bool focused)
    {
        (int left, int top, int width, int height) = window.Bounds(canvas.Width, canvas.Height);
        const int TitleHeight = 30;
        canvas.FillRectangle(left - 2, top - 2, width + 4, height + 4, Ink);
        canvas.FillRectangle(left, top, width, TitleHeight, focused ? FocusedTitleColor : TitleColor);
        string title = window.SaveCount > 0 ? $"{window.Title} (saved {window.SaveCount}x)" : window.Title;
        canvas.DrawText(left + 10, top + 8, title, White, 2, left + width - 10);
        int contentTop = top + TitleHeight;
        int contentHeight = height - TitleHeight;
        int visibleLines = Math.Max(1, (contentHeight - 16) / LineHeight);
        switch (window.Kind)
        {
            case WindowKind.Editor:
                canvas.FillRectangle(left, contentTop, width, contentHeight, White);
                DrawLines(canvas, window, left + 12, contentTop + 8, left + width - 12, visibleLines, Ink, prefix: false);
                break;
            case WindowKind.Terminal:
                canvas.FillRectangle(left, contentTop, width, contentHeight, TerminalColor);
                DrawLines(canvas, window, left + 10, contentTop + 8, left + width - 10, visibleLines, TerminalInk, prefix: true);
                break;
            default:
                canvas.FillRectangle(left, contentTop, width, contentHeight, White);
                canvas.FillRectangle(left, contentTop, width, 34, LightGrey);
                canvas.DrawText(left + 12, contentTop + 10, $"https://intranet.example/page/{window.PageNumber} {string.Concat(window.Lines)}", Ink, 2, left + width - 12);
                DrawPage(canvas, window, left + 12, contentTop + 44, left + width - 12, visibleLines - 2);
                break;
        }

        if (window.StatusText.Length > 0)
        {
            canvas.DrawText(left + width - 120, top + height - 20, window.StatusText, focused ? FocusedTitleColor : TitleColor, 2, left + width);
        }
    }

    private static void DrawLines(UyvyCanvas canvas, SimulatedWindow window, int x, int y, int maximumX, int visibleLines, YuvColor ink, bool prefix)
    {
        // The newest lines stay visible: the view follows the end unless scrolled back.
        int first = Math.Max(0, window.Lines.Count - visibleLines - window.ScrollOffset);
        for (int line = 0; line < visibleLines && first + line < window.Lines.Count; line++)
        {
            string text = window.Lines[first + line];
            int startX = x;
            if (prefix && text.Length > 0 && !text.StartsWith('$') && !text.StartsWith(' '))
            {
                startX = canvas.DrawText(x, y + (line * LineHeight), "$ ", ink, TextScale, maximumX);
            }

            canvas.DrawText(startX, y + (line * LineHeight), text, ink, TextScale, maximumX);
        }
    }

    private void DrawPage(UyvyCanvas canvas, SimulatedWindow window, int x, int y, int maximumX, int visibleLines)
    {
        Span<char> words = stackalloc char[160];
        for (int line = 0; line < visibleLines; line++)
        {
            int pageLine = line + window.ScrollOffset;
            int hash = HashCode.Combine(_seed, window.PageNumber, pageLine);
            var random = new Random(hash);
            int lineY = y + (line * LineHeight);
            if (pageLine % 14 == 6)
            {
                canvas.FillRectangle(x, lineY, Math.Min(maximumX - x, 240 + random.Next(200)), LineHeight - 4, PictureColors[random.Next(PictureColors.Length)]);
                continue;
            }

            int length = Math.Min(words.Length, (maximumX - x) / CharacterAdvance);
            length = pageLine % 5 == 4 ? length / 3 : length - random.Next(Math.Max(1, length / 4));
            int position = 0;
            while (position < length)
            {
                int wordLength = random.Next(2, 10);
                for (int letter = 0; letter < wordLength && position < length; letter++)
                {
                    words[position++] = (char)('a' + random.Next(26));
                }

                if (position < length)
                {
                    words[position++] = ' ';
                }
            }

            canvas.DrawText(x, lineY, words[..length], Ink, TextScale, maximumX);
        }
    }

    private static void DrawPointer(UyvyCanvas canvas, int x, int y)
    {
        // A 12x19 arrow: black outline, white inside, like a default desktop pointer.
        YuvColor black = YuvColor.FromRgb(0, 0, 0);
        YuvColor white = YuvColor.FromRgb(255, 255, 255);
        for (int row = 0; row < 19; row++)
        {
            int span = row < 12 ? row : 12 - ((row - 12) / 2);
            for (int column = 0; column <= Math.Min(span, 11); column++)
            {
                bool edge = column == 0 || column == span || row == 18;
                canvas.SetPixel(x + column, y + row, edge ? black : white);
            }
        }
    }

    private static List<SceneEvent> BuildSceneEvents(DesktopActivityScript script)
    {
        var events = new List<SceneEvent>();
        foreach (SimulatedAction action in script.Actions)
        {
            TimeSpan at = action.At + DisplayLatency;
            switch (action.Kind)
            {
                case SimulatedActionKind.TypeText when action.Text.Length > 0:
                    TimeSpan slot = action.Duration / action.Text.Length;
                    events.Add(new SceneEvent(at, SceneEventKind.StartLine));
                    for (int index = 0; index < action.Text.Length; index++)
                    {
                        events.Add(new SceneEvent(at + (slot * index), SceneEventKind.Character) { Character = action.Text[index] });
                    }

                    break;
                case SimulatedActionKind.KeyChord:
                    events.Add(new SceneEvent(at, SceneEventKind.Chord) { KeyCodes = [.. action.KeyCodes] });
                    break;
                case SimulatedActionKind.MouseButton when action.IsPress:
                    (int x, int y) = script.PointerPositionAt(action.At);
                    SceneEventKind kind = action.Button == SimulatedMouseButton.Right ? SceneEventKind.RightClick : SceneEventKind.LeftClick;
                    events.Add(new SceneEvent(at, kind) { X = x, Y = y });
                    break;
                case SimulatedActionKind.Scroll:
                    int steps = Math.Abs(action.WheelDetents) + Math.Abs(action.PanDetents);
                    for (int step = 0; step < steps; step++)
                    {
                        int delta = step < Math.Abs(action.WheelDetents) ? Math.Sign(action.WheelDetents) : 0;
                        if (delta != 0)
                        {
                            events.Add(new SceneEvent(at + (action.Duration * step / steps), SceneEventKind.ScrollStep) { Delta = -delta });
                        }
                    }

                    break;
                default:
                    break;
            }
        }

        // Stable: a line starts before its first character, which comes at the same instant.
        return [.. events.OrderBy(e => e.At)];
    }

    private enum WindowKind
    {
        Editor,
        Browser,
        Terminal,
    }

    private enum SceneEventKind
    {
        StartLine,
        Character,
        Chord,
        LeftClick,
        RightClick,
        ScrollStep,
    }

    private sealed record SceneEvent(TimeSpan At, SceneEventKind Kind)
    {
        public char Character { get; init; }

        public ushort[] KeyCodes { get; init; } = [];

        public int X { get; init; }

        public int Y { get; init; }

        public int Delta { get; init; }
    }

    private sealed class SimulatedWindow(WindowKind kind, string title, double left, double top, double width, double height)
    {
        public WindowKind Kind { get; } = kind;

        public string Title { get; } = title;

        public List<string> Lines { get; } = [];

        public int ScrollOffset { get; set; }

        public int PageNumber { get; set; } = 1;

        public int SaveCount { get; set; }

        public string StatusText { get; set; } = string.Empty;

        public (int Left, int Top, int Width, int Height) Bounds(int screenWidth, int screenHeight) =>
            ((int)(left * screenWidth), (int)(top * screenHeight), (int)(width * screenWidth), (int)(height * screenHeight));

        public void StartLine()
        {
            if (Kind == WindowKind.Browser)
            {
                // Typing in the browser goes to the address bar: one line only.
                Lines.Clear();
                Lines.Add(" ");
                return;
            }

            Lines.Add(string.Empty);
            ScrollOffset = 0;
        }

        public void Append(char character)
        {
            if (Lines.Count == 0)
            {
                Lines.Add(string.Empty);
            }

            Lines[^1] += character;
        }

        public void UndoLine()
        {
            if (Lines.Count > 0)
            {
                Lines.RemoveAt(Lines.Count - 1);
            }
        }
    }
}
