namespace EdgeCapture.Input.Evdev;

/// <summary>How to open one input device.</summary>
/// <param name="Path">The event node (/dev/input/eventN), or a FIFO or file standing in for one.</param>
public sealed record EvdevDeviceOptions(string Path)
{
    /// <summary>
    /// The device's kind when it cannot be (or should not be) classified by EVIOCGBIT; required for FIFOs and files.
    /// Null: classify by capabilities.
    /// </summary>
    public InputDeviceKind? Kind { get; init; }

    /// <summary>For a FIFO or file stand-in only: where EV_LED writes go (a real node takes them on its own descriptor).</summary>
    public string? LedOutputPath { get; init; }

    /// <summary>Grab the device exclusively (EVIOCGRAB) so the box's own console does not also see the keys. Default true.</summary>
    public bool Grab { get; init; } = true;
}
