using EdgeCapture.Relay.Gadget;

namespace EdgeCapture.Relay;

/// <content>Endpoints reopened from the gadget when it was rebuilt (ENODEV, a stale descriptor).</content>
internal sealed partial class HidRelay
{
    /// <summary>Follows a rebuilt gadget: an endpoint whose function now has another device, or whose descriptor broke, is reopened.</summary>
    private void ReopenEndpoints(bool broken)
    {
        if (_endpointSource is null)
        {
            return;
        }

        ReopenEndpoint(_keyboardEndpoint, GadgetEndpointKind.Keyboard, broken);
        ReopenEndpoint(_mouseEndpoint, GadgetEndpointKind.Mouse, broken);
        ReopenEndpoint(_consumerEndpoint, GadgetEndpointKind.ConsumerControl, broken);
    }

    private void ReopenEndpoint(Endpoint endpoint, GadgetEndpointKind kind, bool broken)
    {
        if (endpoint.Device is null && !endpoint.WasOpened)
        {
            return;
        }

        IHidGadgetEndpoint? replacement;
        try
        {
            replacement = _endpointSource!.Reopen(kind, broken || endpoint.IsBroken || endpoint.Device is null);
        }
        catch (IOException exception)
        {
            RelayLog.EndpointReopenFailed(_logger, endpoint.Name, exception.Message);
            return;
        }

        if (replacement is null)
        {
            return;
        }

        IHidGadgetEndpoint? old;
        using (endpoint.WriteLock.EnterScope())
        {
            old = endpoint.Device;
            endpoint.Device = replacement;
            endpoint.IsBroken = false;
            endpoint.HasReport = false;
            endpoint.State = EndpointState.Ready;
            if (endpoint == _keyboardEndpoint)
            {
                _ledInputClosed = false;
            }
        }

        old?.Dispose();
        Interlocked.Increment(ref Counters.EndpointsReopenedField);
        RelayLog.EndpointReopened(_logger, endpoint.Name, replacement.Path);
    }
}
