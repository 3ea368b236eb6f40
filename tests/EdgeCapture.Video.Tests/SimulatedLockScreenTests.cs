using EdgeCapture.Input.Simulation;
using EdgeCapture.Video.Simulation;

namespace EdgeCapture.Video.Tests;

/// <summary>The simulated desktop shows a lock screen from Win+L until the Enter after the password, as the recorder's lock-screen suppression expects.</summary>
public sealed class SimulatedLockScreenTests
{
    private const int Width = 640;
    private const int Height = 360;

    [Fact]
    public void Win_L_shows_a_lock_screen_that_differs_from_the_desktop_and_enter_brings_the_desktop_back()
    {
        var lockScreen = new ScriptedLockScreen(TimeSpan.FromSeconds(6), "Tulip7Orbit");
        DesktopActivityScript script = DesktopActivityScript.CreateDefault(5, TimeSpan.FromSeconds(20), lockScreen);
        SimulatedAction enter = script.Actions.First(action => action.At > lockScreen.At && action.Kind == SimulatedActionKind.KeyChord);
        var desktop = new SimulatedDesktop(script, 5);

        byte[] before = Render(desktop, lockScreen.At - TimeSpan.FromMilliseconds(100));
        Assert.False(desktop.IsLocked);
        byte[] locked = Render(desktop, lockScreen.At + TimeSpan.FromSeconds(2));
        Assert.True(desktop.IsLocked);
        byte[] typing = Render(desktop, enter.At);
        Assert.True(desktop.IsLocked, "still locked while the password is typed");
        byte[] after = Render(desktop, enter.At + TimeSpan.FromMilliseconds(200));
        Assert.False(desktop.IsLocked);

        double lockedShare = DifferingShare(before, locked);
        double unlockedShare = DifferingShare(locked, after);
        double typingShare = DifferingShare(locked, typing);
        Assert.True(lockedShare > 0.5, $"the lock screen looks like the desktop ({lockedShare:P0} of the pixels differ)");
        Assert.True(unlockedShare > 0.5, $"the desktop did not come back ({unlockedShare:P0} of the pixels differ)");
        Assert.True(typingShare is > 0 and < 0.05, $"the password field shows dots and nothing else changes ({typingShare:P1} of the pixels differ)");
    }

    private static byte[] Render(SimulatedDesktop desktop, TimeSpan at)
    {
        byte[] frame = new byte[Width * 2 * Height];
        desktop.Render(at, frame, Width, Height, Width * 2);
        return frame;
    }

    /// <summary>The share of pixels whose luma (every second byte of UYVY) moved by more than 24 levels, as the recorder's lock-screen check counts change.</summary>
    private static double DifferingShare(byte[] first, byte[] second)
    {
        int differing = 0;
        for (int index = 1; index < first.Length; index += 2)
        {
            differing += Math.Abs(first[index] - second[index]) > 24 ? 1 : 0;
        }

        return differing / (first.Length / 2.0);
    }
}
