using EdgeCapture.Relay.Interop;

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
        int fileType = LibC.GetFileType(path);
        bool isCharacterDevice = fileType == LibC.S_IFCHR;
        int flags = fileType switch
        {
            LibC.S_IFCHR or LibC.S_IFIFO => LibC.O_RDWR,
            _ => LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND,
        };
        int writeFileDescriptor = LibC.Open(path, flags | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0x1A4);
        if (writeFileDescriptor < 0)
        {
            throw new IOException($"Cannot open HID gadget endpoint {path}: errno {LibC.LastError}.");
        }

        int readFileDescriptor = isCharacterDevice ? writeFileDescriptor : -1;
        if (!isCharacterDevice && outputReportPath is not null)
        {
            int outputType = LibC.GetFileType(outputReportPath);
            int outputFlags = outputType == LibC.S_IFIFO ? LibC.O_RDWR : LibC.O_RDONLY;
            readFileDescriptor = LibC.Open(outputReportPath, outputFlags | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0);
            if (readFileDescriptor < 0)
            {
                int error = LibC.LastError;
                LibC.Close(writeFileDescriptor);
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
            nint result = LibC.Write(_writeFileDescriptor, pointer, report.Length);
            return result < 0 ? -LibC.LastError : (int)result;
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
            nint result = LibC.Read(_readFileDescriptor, pointer, buffer.Length);
            return result < 0 ? -LibC.LastError : (int)result;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        int writeFileDescriptor = Interlocked.Exchange(ref _writeFileDescriptor, -1);
        int readFileDescriptor = Interlocked.Exchange(ref _readFileDescriptor, -1);
        if (writeFileDescriptor >= 0)
        {
            LibC.Close(writeFileDescriptor);
        }

        if (readFileDescriptor >= 0 && readFileDescriptor != writeFileDescriptor)
        {
            LibC.Close(readFileDescriptor);
        }
    }
}
