namespace EdgeCapture.Dataset.Tests;

/// <summary>
/// Keeps the pointer correction's accuracy from regressing (the full figure comes from the benchmark program, which
/// measures more scripts): on the simulated desktop with host acceleration, corrected click positions must be far
/// closer to the host's pointer than the integrated estimate.
/// </summary>
public sealed class PointerAccuracyTests
{
    [Fact]
    public void Clicks_corrected_from_the_frame_before_land_on_the_host_pointer()
    {
        PointerAccuracyMeasurement.Result result = PointerAccuracyMeasurement.Measure([11, 12], TimeSpan.FromSeconds(40));

        Assert.True(result.Corrected.Count >= 10, $"only {result.Corrected.Count} presses in the scripts");
        double corrected = PointerAccuracyMeasurement.Result.Percentile(result.Corrected, 0.5);
        double uncorrected = PointerAccuracyMeasurement.Result.Percentile(result.Uncorrected, 0.5);
        Assert.True(uncorrected > 50, $"the simulated acceleration should make the raw estimate drift (median {uncorrected:0.0} px)");
        Assert.True(corrected <= 2, $"corrected median error {corrected:0.0} px (uncorrected {uncorrected:0.0} px)");
        Assert.True(result.Within(2) >= 0.8, $"only {result.Within(2):P0} of corrected presses within 2 px");
    }
}
