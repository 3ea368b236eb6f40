using EdgeCapture.Appliance.Hardware;
using EdgeCapture.Relay;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Appliance.Hosting;

/// <summary>
/// systemd's readiness and watchdog, fed from the relay's own loops: READY=1 only once both relay threads have come
/// round after a wake (the relay runs), and WATCHDOG=1 only while they keep doing so. A relay loop that stalls stops
/// the feeding, and systemd (<c>WatchdogSec=</c>) restarts the service. Recording, upload and fleet do not feed it: a
/// fault there is restarted in process and never costs the employee their keyboard.
/// </summary>
internal sealed partial class RelayWatchdog(IApplianceRelay relay, ISystemdNotifier notifier, TimeSpan? watchdogInterval, TimeProvider time, ILogger logger)
{
    /// <summary>How often readiness is checked before the relay runs.</summary>
    public static readonly TimeSpan ReadinessPoll = TimeSpan.FromMilliseconds(100);

    private RelayHeartbeat? _requestedAt;
    private bool _stallLogged;

    /// <summary>Whether READY=1 has been sent.</summary>
    public bool Ready { get; private set; }

    /// <summary>WATCHDOG=1 notifications sent.</summary>
    public long Fed { get; private set; }

    /// <summary>Checks that found a relay loop that had not come round.</summary>
    public long Stalls { get; private set; }

    /// <summary>The check period: half the watchdog interval (as systemd recommends), or the readiness poll without one.</summary>
    public TimeSpan Period => watchdogInterval is { } interval ? interval / 2 : ReadinessPoll;

    /// <summary>Runs until cancelled: readiness first, then (with a watchdog interval) the feeding.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                Check();
                if (Ready && watchdogInterval is null)
                {
                    return;
                }

                await Task.Delay(Ready ? Period : ReadinessPoll, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>One check: was the relay alive since the last wake? Then notify (READY=1 once, WATCHDOG=1 each time) and wake it again.</summary>
    public void Check()
    {
        RelayHeartbeat? now = relay.Heartbeat;
        if (now is { } current && _requestedAt is { } earlier)
        {
            if (current.BothMovedSince(earlier))
            {
                _stallLogged = false;
                if (!Ready)
                {
                    Ready = true;
                    notifier.Notify(new ServiceState("READY=1\nSTATUS=relaying"));
                    LogReady(logger);
                }
                else
                {
                    Fed++;
                    notifier.Notify(new ServiceState("WATCHDOG=1"));
                }
            }
            else if (Ready)
            {
                Stalls++;
                if (!_stallLogged)
                {
                    _stallLogged = true;
                    LogStalled(logger, current.ReaderPasses, current.WriterPasses);
                }
            }
        }

        _requestedAt = now;
        relay.RequestHeartbeat();
    }

    /// <summary>The watchdog interval systemd asks for (WATCHDOG_USEC, for this process per WATCHDOG_PID), or null.</summary>
    public static TimeSpan? IntervalFromEnvironment()
    {
        if (Environment.GetEnvironmentVariable("WATCHDOG_PID") is { } pid && pid != Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            return null;
        }

        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long microseconds) && microseconds > 0
            ? TimeSpan.FromMicroseconds(microseconds)
            : null;
    }

    [LoggerMessage(EventId = 1310, Level = LogLevel.Information, Message = "The relay runs: told systemd READY=1")]
    private static partial void LogReady(ILogger logger);

    [LoggerMessage(EventId = 1311, Level = LogLevel.Critical, Message = "A relay loop has not come round since the last wake (reader passes {ReaderPasses}, writer passes {WriterPasses}): the systemd watchdog is no longer fed")]
    private static partial void LogStalled(ILogger logger, long readerPasses, long writerPasses);
}
