using EdgeCapture.Input.Evdev;
using EdgeCapture.Input.Simulation;

namespace EdgeCapture.Input.Tests;

/// <summary>The simulated user's optional lock and unlock (the demo's password on the lock screen); the default script is unchanged.</summary>
public sealed class ScriptedLockScreenTests
{
    private static readonly TimeSpan Length = TimeSpan.FromSeconds(30);

    [Fact]
    public void The_lock_chord_the_password_and_enter_come_at_the_given_time_and_in_order()
    {
        var lockScreen = new ScriptedLockScreen(TimeSpan.FromSeconds(12), "Tulip7Orbit");

        DesktopActivityScript script = DesktopActivityScript.CreateDefault(3, Length, lockScreen);

        int chord = script.Actions.ToList().FindIndex(action => action.Kind == SimulatedActionKind.KeyChord && action.KeyCodes.SequenceEqual([KeyCodes.LeftMeta, KeyCodes.L]));
        Assert.True(chord >= 0, "no Win+L in the script");
        Assert.Equal(lockScreen.At, script.Actions[chord].At);
        SimulatedAction password = script.Actions.Skip(chord).First(action => action.Kind == SimulatedActionKind.TypeText);
        Assert.Equal("Tulip7Orbit", password.Text);
        SimulatedAction enter = script.Actions.Skip(chord).First(action => action.Kind == SimulatedActionKind.KeyChord && action.KeyCodes.SequenceEqual([KeyCodes.Enter]));
        Assert.True(enter.At >= password.End);
        Assert.True(enter.End <= lockScreen.At + lockScreen.Duration);
        for (int index = 1; index < script.Actions.Count; index++)
        {
            Assert.True(script.Actions[index].At >= script.Actions[index - 1].End, $"action {index} overlaps the previous one");
        }

        // Nothing else is typed between the chord and Enter: the password is the only text on the lock screen.
        Assert.Single(script.Actions, action => action.At >= lockScreen.At && action.End <= enter.End && action.Kind == SimulatedActionKind.TypeText);
        Assert.Contains(script.Actions, action => action.At > enter.End && action.Kind != SimulatedActionKind.Idle);
    }

    [Fact]
    public void Before_the_lock_the_script_is_the_default_one_and_without_a_lock_it_is_the_default_exactly()
    {
        for (int seed = 1; seed <= 20; seed++)
        {
            DesktopActivityScript plain = DesktopActivityScript.CreateDefault(seed, Length);
            Assert.Equal(plain.Actions.Select(Describe), DesktopActivityScript.CreateDefault(seed, Length, lockScreen: null).Actions.Select(Describe));
            Assert.DoesNotContain(plain.Actions, action => action.Kind == SimulatedActionKind.KeyChord && action.KeyCodes.Contains(KeyCodes.L));

            var lockScreen = new ScriptedLockScreen(TimeSpan.FromSeconds(10), "pass word");
            SimulatedAction[] before = [.. DesktopActivityScript.CreateDefault(seed, Length, lockScreen).Actions.TakeWhile(action => action.At < lockScreen.At)];
            Assert.NotEmpty(before);
            Assert.Equal(plain.Actions.Take(before.Length).Select(Describe), before.Select(Describe));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("line\nbreak")]
    [InlineData("caf\u00e9")]
    public void A_password_the_simulated_keyboard_cannot_type_is_refused(string password)
    {
        Assert.ThrowsAny<ArgumentException>(() => DesktopActivityScript.CreateDefault(1, Length, new ScriptedLockScreen(TimeSpan.FromSeconds(5), password)));
    }

    [Fact]
    public void A_lock_that_does_not_fit_before_the_end_is_refused()
    {
        Assert.Throws<ArgumentException>(() => DesktopActivityScript.CreateDefault(1, Length, new ScriptedLockScreen(TimeSpan.FromSeconds(27), "Tulip7Orbit")));
    }

    private static string Describe(SimulatedAction action) =>
        $"{action.At}|{action.Kind}|{action.Duration}|{action.Text}|{string.Join(',', action.KeyCodes)}|{action.DeltaX}|{action.DeltaY}|{action.Button}|{action.IsPress}|{action.WheelDetents}|{action.PanDetents}";
}
