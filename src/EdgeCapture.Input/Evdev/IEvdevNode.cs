namespace EdgeCapture.Input.Evdev;

/// <summary>
/// The seam over one evdev file descriptor, mirroring read(2), write(2) and ioctl(2): every call returns a
/// non-negative result or a negative errno, never throws. <see cref="EvdevFileNode"/> is the real one (also used on
/// FIFOs and files in tests, where ioctls return -ENOTTY); tests may wrap it to answer an ioctl a FIFO cannot.
/// </summary>
public interface IEvdevNode : IDisposable
{
    /// <summary>The node's path.</summary>
    string Path { get; }

    /// <summary>A descriptor the reader polls for POLLIN; read events through <see cref="Read"/>.</summary>
    int FileDescriptor { get; }

    /// <summary>read(2): bytes read, 0 at end of file, or -errno (-EAGAIN when nothing is ready, -ENODEV when unplugged).</summary>
    /// <param name="buffer">Destination.</param>
    /// <returns>Bytes read or -errno.</returns>
    int Read(Span<byte> buffer);

    /// <summary>write(2) of events to the device (EV_LED for keyboards): bytes written or -errno.</summary>
    /// <param name="buffer">Whole <c>input_event</c> structs.</param>
    /// <returns>Bytes written or -errno.</returns>
    int Write(ReadOnlySpan<byte> buffer);

    /// <summary>ioctl(2) with a buffer argument: the result (non-negative) or -errno (-ENOTTY on a FIFO or file).</summary>
    /// <param name="request">Request number.</param>
    /// <param name="argument">In/out buffer.</param>
    /// <returns>Result or -errno.</returns>
    int IoControl(uint request, Span<byte> argument);

    /// <summary>ioctl(2) with an integer passed by value (EVIOCGRAB).</summary>
    /// <param name="request">Request number.</param>
    /// <param name="argument">The value.</param>
    /// <returns>Result or -errno.</returns>
    int IoControl(uint request, int argument);
}
