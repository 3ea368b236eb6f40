using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

/// <summary>
/// A block of private anonymous memory (mmap with MAP_PRIVATE | MAP_ANONYMOUS), handed back to the kernel the moment it is
/// disposed. Buffers of megabytes that come and go (raw 1080p frames, 4 MB each) use it because neither alternative gives
/// the memory back: the managed large object heap keeps what it once committed until a full blocking GC decommits it, and
/// malloc's dynamic threshold serves the second large block from a heap that only shrinks from its top. Pages are touched
/// (and so resident) only once written. The holder keeps it alive while any span over it is in use.
/// </summary>
internal sealed unsafe class AnonymousMemory : SafeHandle
{
    /// <summary>Maps <paramref name="length"/> bytes of zeroed memory.</summary>
    /// <exception cref="InsufficientMemoryException">The kernel refused the mapping.</exception>
    public AnonymousMemory(int length)
        : base(nint.Zero, ownsHandle: true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        nint address = Interop.MemoryMap(
            nint.Zero, (nuint)length, Interop.PROT_READ | Interop.PROT_WRITE, Interop.MAP_PRIVATE | Interop.MAP_ANONYMOUS, -1, 0);
        if (address == Interop.MAP_FAILED)
        {
            throw new InsufficientMemoryException($"mmap of {length} bytes of anonymous memory failed: errno {Interop.LastError}.");
        }

        SetHandle(address);
        Length = length;
    }

    /// <summary>Size in bytes.</summary>
    public int Length { get; }

    /// <inheritdoc />
    public override bool IsInvalid => handle == nint.Zero;

    /// <summary>The first <paramref name="length"/> bytes.</summary>
    /// <exception cref="ObjectDisposedException">The memory was already given back.</exception>
    public Span<byte> AsSpan(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        ObjectDisposedException.ThrowIf(IsClosed, this);
        return new Span<byte>((void*)handle, length);
    }

    /// <inheritdoc />
    protected override bool ReleaseHandle() => Interop.MemoryUnmap(handle, (nuint)Length) == 0;
}
