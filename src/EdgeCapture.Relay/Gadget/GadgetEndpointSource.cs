namespace EdgeCapture.Relay.Gadget;

/// <summary>Which of the gadget's three endpoints.</summary>
public enum GadgetEndpointKind
{
    /// <summary>hid.usb0.</summary>
    Keyboard,

    /// <summary>hid.usb1.</summary>
    Mouse,

    /// <summary>hid.usb2.</summary>
    ConsumerControl,
}

/// <summary>Where the relay gets its endpoints again when the gadget is rebuilt (ENODEV, a stale descriptor).</summary>
public interface IGadgetEndpointSource
{
    /// <summary>Opens the endpoint afresh when the gadget now has another device for it, or when the current one is broken.</summary>
    /// <param name="kind">The endpoint.</param>
    /// <param name="broken">True when the current descriptor failed with ENODEV/EBADF (reopen whatever the gadget says).</param>
    /// <returns>The new endpoint (the caller owns it), or null to keep the current one.</returns>
    /// <exception cref="IOException">The gadget's device cannot be resolved or opened.</exception>
    IHidGadgetEndpoint? Reopen(GadgetEndpointKind kind, bool broken);
}

/// <summary>Endpoints resolved from configfs (<see cref="ConfigFsGadget.ResolveEndpoint"/>), remembering the major:minor each was opened at.</summary>
public sealed class ConfigFsEndpointSource : IGadgetEndpointSource
{
    private readonly ConfigFsGadget _gadget;
    private readonly Func<string, IHidGadgetEndpoint> _open;
    private readonly string?[] _openedAt = new string?[3];

    /// <summary>Creates the source.</summary>
    /// <param name="gadget">The gadget.</param>
    /// <param name="open">Opens a device path (default <see cref="HidGadgetFile.Open"/>).</param>
    public ConfigFsEndpointSource(ConfigFsGadget gadget, Func<string, IHidGadgetEndpoint>? open = null)
    {
        ArgumentNullException.ThrowIfNull(gadget);
        _gadget = gadget;
        _open = open ?? (static path => HidGadgetFile.Open(path));
    }

    /// <summary>The configfs function of an endpoint.</summary>
    /// <param name="kind">The endpoint.</param>
    /// <returns>hid.usb0, hid.usb1 or hid.usb2.</returns>
    public static string FunctionOf(GadgetEndpointKind kind) => kind switch
    {
        GadgetEndpointKind.Keyboard => ConfigFsGadget.KeyboardFunction,
        GadgetEndpointKind.Mouse => ConfigFsGadget.MouseFunction,
        _ => ConfigFsGadget.ConsumerControlFunction,
    };

    /// <summary>Opens an endpoint for the first time.</summary>
    /// <param name="kind">The endpoint.</param>
    /// <returns>The endpoint.</returns>
    /// <exception cref="IOException">It cannot be resolved or opened.</exception>
    public IHidGadgetEndpoint Open(GadgetEndpointKind kind)
    {
        string function = FunctionOf(kind);
        string device = DeviceNumber(function);
        IHidGadgetEndpoint endpoint = _open(_gadget.ResolveEndpoint(function));
        _openedAt[(int)kind] = device;
        return endpoint;
    }

    /// <inheritdoc/>
    public IHidGadgetEndpoint? Reopen(GadgetEndpointKind kind, bool broken)
    {
        string function = FunctionOf(kind);
        string device = DeviceNumber(function);
        if (!broken && device == _openedAt[(int)kind])
        {
            return null;
        }

        return Open(kind);
    }

    private string DeviceNumber(string function)
    {
        string path = Path.Combine(_gadget.GadgetDirectory, "functions", function, "dev");
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new GadgetResolutionException($"{path} cannot be read: {exception.Message}", exception);
        }
    }
}
