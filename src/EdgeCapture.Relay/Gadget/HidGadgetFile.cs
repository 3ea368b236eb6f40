
namespace EdgeCapture.Relay.Gadget;

/// <summary>
/// A real gadget endpoint: /dev/hidgN (character device, opened read-write and non-blocking; the host's output
/// reports are read from the same descriptor), or a FIFO or file standing in for it. A FIFO is opened read-write so the
/// open neither blocks nor fails for want of a reader; its output reports come from a separate path, if any.
/// </summary>
public sealed unsafe class HidGadgetFile : IHidGadgetEndpoint
{
    private int _writeFileDescriptor;
    private int _readFileDescriptor;

    private HidGadgetFile(string path, int writeFileDescriptor, int readFileDescriptor, bool isCharacterDevice)
    {
        Path = path;
        IsCharacterDevice = isCharacterDevice;
        _writeFileDescriptor = writeFileDescriptor;
        _readFileDescriptor = readFileDescriptor;
    }

    /// <inheritdoc/>
    public string Path { get; }

    /// <summary>True for a real /dev/hidgN (a USB host is on the other side); false for a FIFO or file.</summary>
    public bool IsCharacterDevice { get; }

    /// <inheritdoc/>
    public int WriteFileDescriptor => _writeFileDescriptor;

    /// <inheritdoc/>
    public int ReadFileDescriptor => _readFileDescriptor;

    /// <summary>Opens an endpoint.</summary>
    /// <param name="path">/dev/hidgN, or a FIFO or file.</param>
    /// <param name="outputReportPath">For a stand-in only: where the host's output reports (LEDs) are read from; null for none.</param>
    /// <returns>The endpoint.</returns>
    /// <exception cref="IOException">The path cannot be opened; the message names it and the errno.</exception>
    public static HidGadgetFile Open(string path, string? outputReportPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        int fileType = Interop.GetFileType(path);
        bool isCharacterDevice = fileType == Interop.S_IFCHR;
        int flags = fileType switch
        {
            Interop.S_IFCHR or Interop.S_IFIFO => Interop.O_RDWR,
            _ => Interop.O_WRONLY | Interop.O_CREAT | Interop.O_APPEND,
        };
        int writeFileDescriptor = Interop.Open(path, flags | Interop.O_NONBLOCK | Interop.O_CLOEXEC, 0x1A4);
        if (writeFileDescriptor < 0)
        {
            throw new IOException($"Cannot open HID gadget endpoint {path}: errno {Interop.LastError}.");
        }

        int readFileDescriptor = isCharacterDevice ? writeFileDescriptor : -1;
        if (!isCharacterDevice && outputReportPath is not null)
        {
            int outputType = Interop.GetFileType(outputReportPath);
            int outputFlags = outputType == Interop.S_IFIFO ? Interop.O_RDWR : Interop.O_RDONLY;
            readFileDescriptor = Interop.Open(outputReportPath, outputFlags | Interop.O_NONBLOCK | Interop.O_CLOEXEC, 0);
            if (readFileDescriptor < 0)
            {
                int error = Interop.LastError;
                Interop.Close(writeFileDescriptor);
                throw new IOException($"Cannot open output reports {outputReportPath} for {path}: errno {error}.");
            }
        }

        return new HidGadgetFile(path, writeFileDescriptor, readFileDescriptor, isCharacterDevice);
    }

    /// <inheritdoc/>
    public int Write(ReadOnlySpan<byte> report)
    {
        fixed (byte* pointer = report)
        {
            nint result = Interop.Write(_writeFileDescriptor, pointer, report.Length);
            return result < 0 ? -Interop.LastError : (int)result;
        }
    }

    /// <inheritdoc/>
    public int Read(Span<byte> buffer)
    {
        if (_readFileDescriptor < 0)
        {
            return -Errno.EBADF;
        }

        fixed (byte* pointer = buffer)
        {
            nint result = Interop.Read(_readFileDescriptor, pointer, buffer.Length);
            return result < 0 ? -Interop.LastError : (int)result;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        int writeFileDescriptor = Interlocked.Exchange(ref _writeFileDescriptor, -1);
        int readFileDescriptor = Interlocked.Exchange(ref _readFileDescriptor, -1);
        if (writeFileDescriptor >= 0)
        {
            Interop.Close(writeFileDescriptor);
        }

        if (readFileDescriptor >= 0 && readFileDescriptor != writeFileDescriptor)
        {
            Interop.Close(readFileDescriptor);
        }
    }
}
