using EdgeCapture.Input;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Relay.Simulation;

namespace EdgeCapture.Relay.Tests;

/// <summary>The simulated relay with the caller's recording tap: what a recorder composed around it consumes.</summary>
public sealed class RelaySimulationTapTests
{
    [Fact]
    public async Task A_callers_tap_receives_the_relayed_events_and_is_left_open_for_its_owner()
    {
        DesktopActivityScript script = DesktopActivityScript.CreateDefault(3, TimeSpan.FromSeconds(4));
        var tap = new InputTap(65536);
        long keyEvents = 0;
        long mouseEvents = 0;
        Task consumer = Task.Run(async () =>
        {
            await foreach (InputTapEvent tapEvent in tap.Reader.ReadAllAsync())
            {
                if (tapEvent.DeviceKind == InputDeviceKind.Keyboard)
                {
                    keyEvents++;
                }
                else if (tapEvent.DeviceKind == InputDeviceKind.Mouse)
                {
                    mouseEvents++;
                }
            }
        });

        RelaySimulationResult result = await RelaySimulation.RunAsync(script, 8, _ => { }, TimeProvider.System, null, tap, CancellationToken.None);

        // The owner completes the tap once the relay has stopped; the simulation did not.
        Assert.False(tap.Reader.Completion.IsCompleted);
        tap.Complete();
        await consumer;

        Assert.Equal(0, result.TapEvents);
        Assert.Equal(0, tap.DroppedEventCount);
        Assert.Equal(result.InputEvents, keyEvents + mouseEvents);
        Assert.True(keyEvents > 0 && mouseEvents > 0, $"keys {keyEvents}, mouse {mouseEvents}");
        Assert.True(result.KeyboardReports > 0);
    }

    [Fact]
    public async Task Cancelling_stops_the_relay_cleanly_with_the_callers_tap()
    {
        DesktopActivityScript script = DesktopActivityScript.CreateDefault(5, TimeSpan.FromSeconds(600));
        var tap = new InputTap(65536);
        using var stop = new CancellationTokenSource();
        Task<RelaySimulationResult> run = RelaySimulation.RunAsync(script, 1, _ => { }, TimeProvider.System, null, tap, stop.Token);

        // Cancel once the relay demonstrably delivered something to the tap.
        Assert.True(await tap.Reader.WaitToReadAsync());
        await stop.CancelAsync();
        RelaySimulationResult result = await run;

        Assert.True(result.InputEvents > 0);
        Assert.Equal(0, result.BadInput);
        Assert.False(tap.Reader.Completion.IsCompleted);
    }
}
