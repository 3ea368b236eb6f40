using EdgeCapture.Input.Evdev;

namespace EdgeCapture.Video.Simulation;

/// <summary>
/// The simulated desktop's lock screen: Win+L locks it; while locked, typed characters show as dots in the password field
/// (the password itself is never drawn, as on a real lock screen) and Enter unlocks it again. Everything else the user does
/// while locked leaves the desktop unchanged. The lock screen differs from the desktop across most of the screen, as real ones
/// do, which is what the recorder's lock-screen suppression waits for after the Enter.
/// </summary>
public sealed partial class SimulatedDesktop
{
    private static readonly YuvColor LockScreenColor = YuvColor.FromRgb(8, 10, 24);
    private static readonly YuvColor LockFieldColor = YuvColor.FromRgb(236, 236, 240);

    private bool _locked;
    private int _passwordDots;

    /// <summary>True while the lock screen is shown.</summary>
    public bool IsLocked => _locked;

    /// <summary>Applies <paramref name="sceneEvent"/> when it locks the screen or the screen is locked; false to apply it to the desktop.</summary>
    private bool ApplyWhileLocked(SceneEvent sceneEvent)
    {
        bool isChord = sceneEvent.Kind == SceneEventKind.Chord;
        if (!_locked)
        {
            if (isChord && IsLockChord(sceneEvent.KeyCodes))
            {
                _locked = true;
                _passwordDots = 0;
                _contextMenuOpen = false;
                _startMenuOpen = false;
                return true;
            }

            return false;
        }

        switch (sceneEvent.Kind)
        {
            case SceneEventKind.Character:
                _passwordDots++;
                break;
            case SceneEventKind.Chord when sceneEvent.KeyCodes is [KeyCodes.Enter]:
                _locked = false;
                _passwordDots = 0;
                break;
            default:
                break;
        }

        return true;
    }

    private static bool IsLockChord(ushort[] keys) =>
        (keys.Contains(KeyCodes.LeftMeta) || keys.Contains(KeyCodes.RightMeta)) && keys.Contains(KeyCodes.L);

    private void RenderLockScreen(UyvyCanvas canvas)
    {
        int width = canvas.Width;
        int height = canvas.Height;
        canvas.FillRectangle(0, 0, width, height, LockScreenColor);
        int minutes = (9 * 60) + _clockMinute;
        canvas.DrawText((width / 2) - 120, height / 4, $"{minutes / 60 % 24:00}:{minutes % 60:00}", White, 8, width);
        canvas.DrawText((width / 2) - 150, (height / 2) - 60, "Locked - enter your password", White, 2, width);
        int fieldWidth = Math.Min(width - 40, 420);
        int fieldX = (width - fieldWidth) / 2;
        canvas.FillRectangle(fieldX, height / 2, fieldWidth, 44, LockFieldColor);
        for (int dot = 0; dot < Math.Min(_passwordDots, 24); dot++)
        {
            canvas.FillRectangle(fieldX + 16 + (dot * 16), (height / 2) + 16, 10, 10, Ink);
        }
    }
}
