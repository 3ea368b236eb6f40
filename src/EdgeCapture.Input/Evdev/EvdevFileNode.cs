
namespace EdgeCapture.Input.Evdev;

/// <summary>
/// A real evdev descriptor: a character device under /dev/input (opened read-write, non-blocking), or, anywhere
/// else, a FIFO or file standing in for one (opened read-only, non-blocking; ioctls then answer -ENOTTY).
/// A stand-in cannot carry LED events back on the same descriptor, so they go to an optional separate path.
/// </summary>
public sealed unsafe class EvdevFileNode : IEvdevNode
{
    private readonly int _ledFileDescriptor;
    private int _fileDescriptor;

    private EvdevFileNode(string path, int fileDescriptor, int ledFileDescriptor, bool isCharacterDevice)
    {
        Path = path;
        _fileDescriptor = fileDescriptor;
        _ledFileDescriptor = ledFileDescriptor;
        IsCharacterDevice = isCharacterDevice;
    }

    /// <inheritdoc/>
    public string Path { get; }

    /// <inheritdoc/>
    public int FileDescriptor => _fileDescriptor;

    /// <summary>True for a real device node (ioctls apply); false for a FIFO or regular file.</summary>
    public bool IsCharacterDevice { get; }

    /// <summary>Opens <paramref name="path"/>; LED events for a stand-in go to <paramref name="ledOutputPath"/> when given.</summary>
    /// <param name="path">An event node, FIFO or file.</param>
    /// <param name="ledOutputPath">Where EV_LED writes go when <paramref name="path"/> is not a device node (FIFO or file), or null.</param>
    /// <returns>The open node.</returns>
    /// <exception cref="IOException">The path cannot be opened; the message names it and the errno.</exception>
    public static EvdevFileNode Open(string path, string? ledOutputPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        int fileType = Interop.GetFileType(path);
        if (fileType < 0)
        {
            throw new IOException($"Cannot open input device {path}: errno {-fileType}.");
        }

        bool isCharacterDevice = fileType == Interop.S_IFCHR;

        // A FIFO opened read-only sees end of file when its writer goes away, which is how a stand-in is unplugged.
        int flags = (isCharacterDevice ? Interop.O_RDWR : Interop.O_RDONLY) | Interop.O_NONBLOCK | Interop.O_CLOEXEC;
        int fileDescriptor = Interop.Open(path, flags, 0);
        if (fileDescriptor < 0)
        {
            throw new IOException($"Cannot open input device {path}: errno {Interop.LastError}.");
        }

        int ledFileDescriptor = -1;
        if (!isCharacterDevice && ledOutputPath is not null)
        {
            bool ledIsFifo = Interop.GetFileType(ledOutputPath) == Interop.S_IFIFO;

            // A FIFO is opened read-write so the open never blocks and never fails for want of a reader.
            int ledFlags = (ledIsFifo ? Interop.O_RDWR : Interop.O_WRONLY | Interop.O_CREAT | Interop.O_APPEND) | Interop.O_NONBLOCK | Interop.O_CLOEXEC;
            ledFileDescriptor = Interop.Open(ledOutputPath, ledFlags, 0x1A4);
            if (ledFileDescriptor < 0)
            {
                int error = Interop.LastError;
                Interop.Close(fileDescriptor);
                throw new IOException($"Cannot open LED output {ledOutputPath} for {path}: errno {error}.");
            }
        }

        return new EvdevFileNode(path, fileDescriptor, ledFileDescriptor, isCharacterDevice);
    }

    /// <inheritdoc/>
    public int Read(Span<byte> buffer)
    {
        fixed (byte* pointer = buffer)
        {
            nint result = Interop.Read(_fileDescriptor, pointer, buffer.Length);
            return result < 0 ? -Interop.LastError : (int)result;
        }
    }

    /// <inheritdoc/>
    public int Write(ReadOnlySpan<byte> buffer)
    {
        int target = IsCharacterDevice ? _fileDescriptor : _ledFileDescriptor;
        if (target < 0)
        {
            return -Errno.EBADF;
        }

        fixed (byte* pointer = buffer)
        {
            nint result = Interop.Write(target, pointer, buffer.Length);
            return result < 0 ? -Interop.LastError : (int)result;
        }
    }

    /// <inheritdoc/>
    public int IoControl(uint request, Span<byte> argument)
    {
        fixed (byte* pointer = argument)
        {
            int result = Interop.IoControl(_fileDescriptor, request, pointer);
            return result < 0 ? -Interop.LastError : result;
        }
    }

    /// <inheritdoc/>
    public int IoControl(uint request, int argument)
    {
        int result = Interop.IoControl(_fileDescriptor, request, (nint)argument);
        return result < 0 ? -Interop.LastError : result;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        int fileDescriptor = Interlocked.Exchange(ref _fileDescriptor, -1);
        if (fileDescriptor >= 0)
        {
            Interop.Close(fileDescriptor);
            if (_ledFileDescriptor >= 0)
            {
                Interop.Close(_ledFileDescriptor);
            }
        }
    }
}
