using System.Globalization;
using EdgeCapture.Fleet.Link;
using EdgeCapture.Fleet.Store;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Fleet.Box;

/// <summary>The agent's publishing loops: the reported document, the status and the audit.</summary>
public sealed partial class FleetAgent
{
    private async Task<bool> PublishReportedAsync(CancellationToken stop)
    {
        await _reportedLock.WaitAsync(stop).ConfigureAwait(false);
        try
        {
            return await _link.PublishAsync(new FleetOutgoingMessage(FleetTopics.Reported(_options.DeviceId), FleetJsonMessages.Encode(_reconciler.Report()), Retain: true), stop).ConfigureAwait(false);
        }
        finally
        {
            _reportedLock.Release();
        }
    }

    private async Task ReportedLoopAsync(CancellationToken stop)
    {
        try
        {
            while (await _reportedSignal.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                _reportedSignal.Reader.TryRead(out _);
                await PublishReportedAsync(stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task StatusLoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_options.ChangePollInterval, _time);
        string? lastKey = null;
        DateTimeOffset lastPublished = DateTimeOffset.MinValue;
        try
        {
            while (true)
            {
                if (!await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
                {
                    return;
                }

                DeviceStatusSnapshot snapshot = _facts.ReadStatus();
                string key = string.Create(CultureInfo.InvariantCulture, $"{snapshot.Privacy}|{snapshot.IndicatorLit}|{_hold.IsStopped}|{snapshot.Capture.Signal}|{snapshot.LastError}");
                TimeSpan interval = StatusInterval();
                DateTimeOffset now = _time.GetUtcNow();
                if (key == lastKey && now - lastPublished < interval)
                {
                    continue;
                }

                if (!_link.IsConnected)
                {
                    continue;
                }

                lastKey = key;
                lastPublished = now;
                await _link.PublishAsync(new FleetOutgoingMessage(FleetTopics.Status(_options.DeviceId), FleetJsonMessages.Encode(CurrentStatus()), Retain: true) { DropWhenDisconnected = true }, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private TimeSpan StatusInterval() =>
        _reconciler.Effective().TryGetValue("statusIntervalSeconds", out System.Text.Json.JsonElement seconds) && seconds.TryGetInt32(out int value)
            ? TimeSpan.FromSeconds(value)
            : _options.Configuration.StatusInterval;

    private async Task AuditLoopAsync(CancellationToken stop)
    {
        try
        {
            while (await _auditSignal.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                _auditSignal.Reader.TryRead(out _);
                bool accepted = true;
                while (accepted && _link.IsConnected)
                {
                    IReadOnlyList<FleetAuditEntry> batch = _audit.Unpublished(64);
                    if (batch.Count == 0)
                    {
                        break;
                    }

                    foreach (FleetAuditEntry entry in batch)
                    {
                        // Not accepted (link down): the next connect signals again and publishing resumes from here.
                        accepted = await _link.PublishAsync(new FleetOutgoingMessage(FleetTopics.Audit(_options.DeviceId), FleetJsonMessages.Encode(entry), Retain: false), stop).ConfigureAwait(false);
                        if (!accepted)
                        {
                            break;
                        }

                        _audit.MarkPublished(entry.Sequence);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
