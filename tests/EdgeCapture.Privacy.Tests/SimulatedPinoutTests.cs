using System.Device.Gpio;
using EdgeCapture.Privacy.Pinout;
using EdgeCapture.Privacy.Simulation;

namespace EdgeCapture.Privacy.Tests;

public sealed class SimulatedPinoutTests
{
    [Fact]
    public void The_simulated_box_uses_the_repository_pinouts_lines_and_levels()
    {
        PinoutDocument repository = PinoutLoader.Load(PinoutLoaderTests.RepositoryPinoutPath());
        PinoutDocument simulated = SimulatedPinout.Document;

        Assert.Equal((repository.PrivacySwitch.Line, repository.PrivacySwitch.Pull, repository.PrivacySwitch.PrivateLevel), (simulated.PrivacySwitch.Line, simulated.PrivacySwitch.Pull, simulated.PrivacySwitch.PrivateLevel));
        Assert.Equal((repository.RecordingIndicator.Line, repository.RecordingIndicator.LitLevel), (simulated.RecordingIndicator.Line, simulated.RecordingIndicator.LitLevel));
        Assert.Equal((repository.ForgetButton.Line, repository.ForgetButton.Pull, repository.ForgetButton.PressedLevel), (simulated.ForgetButton.Line, simulated.ForgetButton.Pull, simulated.ForgetButton.PressedLevel));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_simulated_chip_starts_with_the_switch_where_asked_and_the_button_released(bool switchPrivate)
    {
        SimulatedGpioDriver driver = SimulatedPinout.CreateDriver(switchPrivate);

        Assert.Equal(switchPrivate ? SimulatedPinout.Document.PrivacySwitch.PrivateLevel : PinValue.Low, driver.LevelOf(SimulatedPinout.SwitchLine));
        Assert.NotEqual(SimulatedPinout.Document.ForgetButton.PressedLevel, driver.LevelOf(SimulatedPinout.ButtonLine));
    }
}
