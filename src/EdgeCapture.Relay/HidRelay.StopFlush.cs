using EdgeCapture.Hid;

namespace EdgeCapture.Relay;

/// <content>The stop flush: all-released reports on every endpoint, bounded so a host that never reads cannot hold the stop.</content>
internal sealed unsafe partial class HidRelay
{
    private void SendAllReleased()
    {
        lock (_gate)
        {
            _keyboard.ReleaseAll();
            _consumer.ReleaseAll();
            Array.Clear(_keyboardHolders);
            Array.Clear(_consumerHolders);
            Array.Clear(_buttonHolders);
            _buttons = 0;
            _keyboardQueue.Clear();
            _consumerQueue.Clear();
            _mouseQueue.Clear();
        }

        lock (_mouseEndpoint.WriteLock)
        {
            _hasPendingMouse = false;
        }

        Span<byte> released = stackalloc byte[KeyboardReportBuilder.ReportLength];
        released.Clear();
        SendFinal(_keyboardEndpoint, released[..KeyboardReportBuilder.ReportLength]);
        SendFinal(_consumerEndpoint, released[..ConsumerControlReportBuilder.ReportLength]);
        Span<byte> mouseReleased = stackalloc byte[MouseReport.ReportLength];
        if (_pointer is not null)
        {
            // An absolute report always carries a position: release the buttons where the pointer is.
            ushort x, y;
            lock (_gate)
            {
                (x, y) = (_pointerX, _pointerY);
            }

            AbsolutePointerReport.Write(mouseReleased, 0, x, y, 0, 0);
        }
        else
        {
            MouseReport.Write(mouseReleased, 0, 0, 0, 0, 0);
        }

        SendFinal(_mouseEndpoint, mouseReleased);
    }

    private void SendFinal(Endpoint endpoint, ReadOnlySpan<byte> report)
    {
        using Lock.Scope scope = endpoint.WriteLock.EnterScope();
        if (endpoint.Device is null || endpoint.State == EndpointState.Shutdown || _hostAway)
        {
            return;
        }

        int pollsLeft = Math.Max(1, (int)(_options.StopFlushTimeout.TotalMilliseconds / StopPollMilliseconds));
        endpoint.State = EndpointState.Ready;
        while (!WriteReport(endpoint, report))
        {
            if (endpoint.State == EndpointState.Shutdown || pollsLeft-- == 0)
            {
                RelayLog.StopFlushTimedOut(_logger, endpoint.Name);
                return;
            }

            _ = Interop.PollOne(endpoint.Device.WriteFileDescriptor, Interop.POLLOUT, StopPollMilliseconds);
            endpoint.State = EndpointState.Ready;
        }

        if (endpoint == _keyboardEndpoint)
        {
            Interlocked.Increment(ref Counters.KeyboardReportsField);
        }
        else if (endpoint == _mouseEndpoint)
        {
            Interlocked.Increment(ref Counters.MouseReportsField);
        }
        else
        {
            Interlocked.Increment(ref Counters.ConsumerReportsField);
        }
    }
}
