using Microsoft.Extensions.Logging;

namespace EdgeCapture.Appliance.Hosting;

/// <summary>
/// Runs one part of the appliance and restarts it with backoff when it faults, so that a fault in recording, upload or
/// fleet management is reported and survived while the relay keeps working ("The relay never waits").
/// </summary>
internal static partial class PartSupervisor
{
    /// <summary>The first wait before a restart; it doubles per fault up to <see cref="MaximumBackoff"/>.</summary>
    public static readonly TimeSpan InitialBackoff = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait before a restart.</summary>
    public static readonly TimeSpan MaximumBackoff = TimeSpan.FromSeconds(30);

    /// <summary>A part that ran this long before faulting starts its backoff afresh.</summary>
    public static readonly TimeSpan StableRun = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Runs <paramref name="runOnce"/> until it returns or <paramref name="stop"/> fires; each time it throws, the fault
    /// is logged, reported and recorded in <paramref name="health"/>, and the part is started again after the backoff.
    /// </summary>
    public static async Task RunAsync(string part, Func<CancellationToken, Task> runOnce, ApplianceHealth health, TimeProvider time, ILogger logger, Action<string> report, CancellationToken stop)
    {
        TimeSpan backoff = InitialBackoff;
        while (true)
        {
            long started = time.GetTimestamp();
            try
            {
                await runOnce(stop).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                if (time.GetElapsedTime(started) >= StableRun)
                {
                    backoff = InitialBackoff;
                }

                health.Faulted(part, exception.Message);
                LogPartFaulted(logger, part, backoff, exception);
                report($"{part}: faulted ({exception.Message}); restarting in {backoff.TotalSeconds:0.#} s, the relay keeps working");
            }

            try
            {
                await Task.Delay(backoff, time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff = backoff * 2 > MaximumBackoff ? MaximumBackoff : backoff * 2;
            health.Restarted(part);
        }
    }

    [LoggerMessage(EventId = 1300, Level = LogLevel.Error, Message = "The {Part} part faulted; restarting it in {Backoff} while the relay keeps working")]
    private static partial void LogPartFaulted(ILogger logger, string part, TimeSpan backoff, Exception exception);
}
