namespace EdgeCapture.Relay.Gadget;

/// <summary>
/// The seam over one HID gadget endpoint (/dev/hidgN), mirroring write(2) and read(2) on an O_NONBLOCK descriptor:
/// results are byte counts or negative errno (-EAGAIN while the host has not polled the report in flight,
/// -ESHUTDOWN while the host has not configured the function). <see cref="HidGadgetFile"/> is the real one; a test may
/// wrap it to return an errno a FIFO cannot produce.
/// </summary>
public interface IHidGadgetEndpoint : IDisposable
{
    /// <summary>The endpoint's path (for logs).</summary>
    string Path { get; }

    /// <summary>Descriptor polled for POLLOUT after -EAGAIN.</summary>
    int WriteFileDescriptor { get; }

    /// <summary>Descriptor polled for POLLIN (output reports from the host: keyboard LEDs), or -1.</summary>
    int ReadFileDescriptor { get; }

    /// <summary>write(2) of one whole report.</summary>
    /// <param name="report">The report.</param>
    /// <returns>Bytes written or -errno.</returns>
    int Write(ReadOnlySpan<byte> report);

    /// <summary>read(2) of output reports from the host.</summary>
    /// <param name="buffer">Destination.</param>
    /// <returns>Bytes read, 0 at end of file, or -errno.</returns>
    int Read(Span<byte> buffer);
}
