using EdgeCapture.Hid;

namespace EdgeCapture.Relay;

/// <content>The writer side's mouse: the one mouse report in flight, coalesced motion split into in-range steps.</content>
internal sealed partial class HidRelay
{
    private void ServiceMouse()
    {
        lock (_mouseEndpoint.WriteLock)
        {
            ServiceMouseLocked();
        }
    }

    private void ServiceMouseLocked()
    {
        Endpoint endpoint = _mouseEndpoint;
        if (endpoint.Device is null || endpoint.State == EndpointState.Shutdown || _hostAway)
        {
            if (endpoint.Device is not null)
            {
                endpoint.State = EndpointState.Shutdown;
            }

            lock (_gate)
            {
                if (endpoint.Device is null)
                {
                    Interlocked.Add(ref Counters.ReportsWithoutEndpointField, _mouseQueue.Count);
                }
                else
                {
                    Interlocked.Add(ref Counters.TransitionsNotQueuedField, _mouseQueue.Count);
                }

                _mouseQueue.Clear();
            }

            _hasPendingMouse = false;
            return;
        }

        while (endpoint.State == EndpointState.Ready)
        {
            lock (_gate)
            {
                if (!_hasPendingMouse)
                {
                    _hasPendingMouse = _mouseQueue.TryDequeue(out _pendingMouse);
                }

                // Coalesce: later motion with the same buttons joins the report in progress.
                while (_hasPendingMouse && _mouseQueue.TryPeek(out MouseMotion next) && next.Buttons == _pendingMouse.Buttons)
                {
                    _mouseQueue.TryDequeue(out next);
                    _pendingMouse.Add(next);
                }
            }

            if (!_hasPendingMouse)
            {
                return;
            }

            short deltaX = (short)Math.Clamp(_pendingMouse.DeltaX, MouseReport.MinimumDelta, MouseReport.MaximumDelta);
            short deltaY = (short)Math.Clamp(_pendingMouse.DeltaY, MouseReport.MinimumDelta, MouseReport.MaximumDelta);
            sbyte wheel = (sbyte)Math.Clamp(_pendingMouse.Wheel, MouseReport.MinimumWheel, MouseReport.MaximumWheel);
            sbyte pan = (sbyte)Math.Clamp(_pendingMouse.Pan, MouseReport.MinimumWheel, MouseReport.MaximumWheel);
            if (_pendingMouse.IsAbsolute)
            {
                AbsolutePointerReport.Write(endpoint.Report, _pendingMouse.Buttons, _pendingMouse.X, _pendingMouse.Y, wheel, pan);
            }
            else
            {
                MouseReport.Write(endpoint.Report, _pendingMouse.Buttons, deltaX, deltaY, wheel, pan);
            }

            if (WriteReport(endpoint, endpoint.Report.AsSpan(0, endpoint.ReportLength)))
            {
                Interlocked.Increment(ref Counters.MouseReportsField);
                _pendingMouse.DeltaX -= deltaX;
                _pendingMouse.DeltaY -= deltaY;
                _pendingMouse.Wheel -= wheel;
                _pendingMouse.Pan -= pan;
                _pendingMouse.HasPosition = false;
                _hasPendingMouse = _pendingMouse.HasMotion;
            }
            else if (endpoint.State == EndpointState.Shutdown)
            {
                _hasPendingMouse = false;
            }
        }
    }
}
