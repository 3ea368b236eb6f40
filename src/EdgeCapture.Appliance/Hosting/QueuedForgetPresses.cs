using System.Globalization;
using EdgeCapture.Privacy;
using EdgeCapture.Recording.Recorder;

namespace EdgeCapture.Appliance.Hosting;

/// <summary>
/// Carries out the forget presses waiting in the privacy hardware's channel, through the recorder (running or stopped:
/// its forget reaches the outbox, which stays open until the appliance is disposed). Used while the appliance stops, where
/// no forwarder reads the channel any more, so that no press made before the button is released is lost.
/// </summary>
internal static class QueuedForgetPresses
{
    /// <summary>Carries out every press queued now; none when the privacy hardware or the recorder never started.</summary>
    /// <param name="parts">The appliance's parts.</param>
    public static void CarryOut(ApplianceParts parts)
    {
        if (parts.Privacy is not { } privacy || parts.Recorder is not { } recorder)
        {
            return;
        }

        while (privacy.ForgetRequests.TryRead(out ForgetRequest request))
        {
            ForgetOutcome outcome = recorder.RequestForget(request);
            parts.Report(string.Create(CultureInfo.InvariantCulture, $"forget button (while stopping): {outcome.Deleted} segment(s) deleted, {outcome.Retracted} retracted"));
        }
    }
}
