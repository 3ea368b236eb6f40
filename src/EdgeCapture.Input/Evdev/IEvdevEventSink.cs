namespace EdgeCapture.Input.Evdev;

/// <summary>
/// Receives what the reader decodes, on the reader thread, in order. The reader guarantees per device: no
/// autorepeat, no press of a held key or release of a key not held, every held key released before
/// <see cref="DeviceRemoved"/>, and state resynchronised after SYN_DROPPED. Implementations must not block.
/// </summary>
public interface IEvdevEventSink
{
    /// <summary>A device was opened and classified.</summary>
    /// <param name="device">The device.</param>
    void DeviceAdded(EvdevDevice device);

    /// <summary>One EV_KEY (value 0 or 1) or EV_REL event of a frame.</summary>
    /// <param name="device">The source device.</param>
    /// <param name="inputEvent">The event; its timestamp is on the monotonic nanosecond base.</param>
    void EventReceived(EvdevDevice device, in EvdevEvent inputEvent);

    /// <summary>SYN_REPORT: the frame of events delivered since the previous one is complete.</summary>
    /// <param name="device">The source device.</param>
    /// <param name="timestampNanoseconds">Monotonic time of the SYN_REPORT.</param>
    void FrameCompleted(EvdevDevice device, long timestampNanoseconds);

    /// <summary>The device went away (ENODEV, end of file, or the reader stopped); its keys were released first.</summary>
    /// <param name="device">The device.</param>
    void DeviceRemoved(EvdevDevice device);
}
