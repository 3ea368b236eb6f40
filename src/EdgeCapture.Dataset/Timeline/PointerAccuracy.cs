namespace EdgeCapture.Dataset.Timeline;

/// <summary>
/// The estimated coordinates' accuracy as measured on the simulated desktop with host-side acceleration simulated
/// (tests/EdgeCapture.Dataset.Benchmarks, <c>--accuracy</c>; the test PointerAccuracyTests keeps it from regressing).
/// Written into every dataset card.
/// </summary>
public static class PointerAccuracy
{
    /// <summary>The figure, in words.</summary>
    public const string Summary = "not measured yet.";
}
