using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace EdgeCapture.Recording.Segments;

/// <summary>
/// Writes canonical CBOR (RFC 8949 section 4.2.1: shortest heads, definite lengths) straight into one pinned,
/// reused plaintext buffer. The recorder owns exactly one of these; it is zeroed after every seal, so plaintext
/// only ever lives in this bounded block of memory, which the GC never moves or copies.
/// </summary>
/// <remarks>
/// System.Formats.Cbor's <c>CborWriter</c> keeps its own growable array that cannot be zeroed from outside,
/// so the hot path writes the handful of CBOR heads it needs here; <see cref="SegmentReader"/> validates the
/// result with <c>CborReader</c> in canonical mode, which keeps the two honest.
/// </remarks>
internal sealed class CborSegmentWriter : IDisposable
{
    private const byte MajorUnsigned = 0 << 5;
    private const byte MajorNegative = 1 << 5;
    private const byte MajorByteString = 2 << 5;
    private const byte MajorTextString = 3 << 5;
    private const byte MajorArray = 4 << 5;
    private const byte SimpleFalse = 0xF4;
    private const byte SimpleTrue = 0xF5;
    private const byte SimpleNull = 0xF6;

    private byte[] _buffer;

    // The most bytes ever written into this buffer: beyond it the buffer never held plaintext, so zeroing stops there
    // (and does not make untouched pages resident).
    private int _mostWritten;

    public CborSegmentWriter(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1024);
        // Zeroed by the allocator, not by touching it here: memory fresh from the kernel is already zero, so only the pages
        // a segment really fills become resident (a 5 s segment with video fills about a sixth of the default 4 MiB).
        _buffer = GC.AllocateArray<byte>(capacity, pinned: true);
    }

    /// <summary>Bytes written since the last <see cref="Clear"/>.</summary>
    public int Length { get; private set; }

    public int Capacity => _buffer.Length;

    /// <summary>The plaintext written so far (valid until the next write or <see cref="Clear"/>).</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, Length);

    /// <summary>The plaintext written so far as memory, for readers that need it.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, Length);

    /// <summary>Bytes still free.</summary>
    public int FreeCapacity => _buffer.Length - Length;

    /// <summary>Grows to hold at least <paramref name="capacity"/> bytes; the old block is zeroed before it is dropped.</summary>
    public void EnsureCapacity(int capacity)
    {
        if (capacity <= _buffer.Length)
        {
            return;
        }

        byte[] larger = GC.AllocateArray<byte>(capacity, pinned: true);
        _buffer.AsSpan(0, Length).CopyTo(larger);
        CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, Math.Max(_mostWritten, Length)));
        _mostWritten = Length;
        _buffer = larger;
    }

    /// <summary>Forgets the content and zeroes every byte that held it.</summary>
    public void Clear()
    {
        CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, Length));
        _mostWritten = Math.Max(_mostWritten, Length);
        Length = 0;
    }

    /// <summary>Cuts the content back to <paramref name="length"/> bytes, zeroing the rest.</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        CryptographicOperations.ZeroMemory(_buffer.AsSpan(length, Length - length));
        Length = length;
    }

    public void WriteArrayHeader(int count) => WriteHead(MajorArray, (ulong)count);

    public void WriteUInt64(ulong value) => WriteHead(MajorUnsigned, value);

    public void WriteInt64(long value)
    {
        if (value >= 0)
        {
            WriteHead(MajorUnsigned, (ulong)value);
        }
        else
        {
            // CBOR negative integers encode -1 - n; for a two's complement long that is ~n.
            WriteHead(MajorNegative, (ulong)~value);
        }
    }

    public void WriteBoolean(bool value) => WriteByte(value ? SimpleTrue : SimpleFalse);

    public void WriteNull() => WriteByte(SimpleNull);

    public void WriteByteString(ReadOnlySpan<byte> value)
    {
        WriteHead(MajorByteString, (ulong)value.Length);
        Require(value.Length);
        value.CopyTo(_buffer.AsSpan(Length));
        Length += value.Length;
    }

    public void WriteTextString(string value)
    {
        int byteCount = Encoding.UTF8.GetByteCount(value);
        WriteHead(MajorTextString, (ulong)byteCount);
        Require(byteCount);
        Length += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(Length));
    }

    /// <summary>Bytes a head (major type plus argument) takes in canonical form.</summary>
    public static int HeadLength(ulong argument) => argument switch
    {
        < 24 => 1,
        <= byte.MaxValue => 2,
        <= ushort.MaxValue => 3,
        <= uint.MaxValue => 5,
        _ => 9,
    };

    private void WriteHead(byte major, ulong argument)
    {
        int length = HeadLength(argument);
        Require(length);
        Span<byte> destination = _buffer.AsSpan(Length, length);
        switch (length)
        {
            case 1:
                destination[0] = (byte)(major | (byte)argument);
                break;
            case 2:
                destination[0] = (byte)(major | 24);
                destination[1] = (byte)argument;
                break;
            case 3:
                destination[0] = (byte)(major | 25);
                BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)argument);
                break;
            case 5:
                destination[0] = (byte)(major | 26);
                BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)argument);
                break;
            default:
                destination[0] = (byte)(major | 27);
                BinaryPrimitives.WriteUInt64BigEndian(destination[1..], argument);
                break;
        }

        Length += length;
    }

    private void WriteByte(byte value)
    {
        Require(1);
        _buffer[Length++] = value;
    }

    private void Require(int count)
    {
        if (count > _buffer.Length - Length)
        {
            // The recorder checks room before every record; reaching this is a sizing bug, not bad input.
            throw new InvalidOperationException($"Segment buffer full: {Length} of {_buffer.Length} bytes used, {count} more needed.");
        }
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, Math.Max(_mostWritten, Length)));
        Length = 0;
    }
}
