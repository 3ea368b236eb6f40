namespace EdgeCapture.Crypto;

/// <summary>
/// A small buffered reader over a stream: lines for the header and the armor, then bulk reads for the payload.
/// It never reads more than its buffer ahead, so memory stays constant whatever the file size.
/// </summary>
internal sealed class AgeInput
{
    /// <summary>Longest line accepted (header and armor lines are far shorter).</summary>
    public const int MaxLineLength = 16 * 1024;

    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[MaxLineLength + 1];
    private int _start;
    private int _end;
    private bool _endOfStream;

    public AgeInput(Stream stream)
    {
        _stream = stream;
    }

    public Stream Stream => _stream;

    /// <summary>
    /// Reads one line. <paramref name="line"/> excludes the '\n' and is valid until the next call;
    /// <paramref name="terminated"/> is false when the stream ended without one.
    /// </summary>
    public LineStatus ReadLine(out ReadOnlySpan<byte> line, out bool terminated)
    {
        int scanned = 0;
        while (true)
        {
            int newline = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                int length = scanned + newline;
                line = _buffer.AsSpan(_start, length);
                _start += length + 1;
                terminated = true;
                return LineStatus.Line;
            }

            scanned = _end - _start;
            if (scanned > MaxLineLength)
            {
                line = default;
                terminated = false;
                return LineStatus.TooLong;
            }

            if (!Fill())
            {
                terminated = false;
                if (_end == _start)
                {
                    line = default;
                    return LineStatus.EndOfStream;
                }

                line = _buffer.AsSpan(_start, _end - _start);
                _start = _end;
                return LineStatus.Line;
            }
        }
    }

    /// <summary>Looks at the first byte that is not ASCII whitespace without consuming anything; -1 at end of stream.</summary>
    public int PeekFirstNonWhitespace()
    {
        int offset = 0;
        while (true)
        {
            while (_start + offset < _end)
            {
                byte b = _buffer[_start + offset];
                if (!SecretFile.IsWhitespace(b))
                {
                    return b;
                }

                offset++;
            }

            if (offset >= MaxLineLength || !Fill())
            {
                return -1;
            }
        }
    }

    /// <summary>Reads until <paramref name="destination"/> is full or the stream ends; returns the count read.</summary>
    public int ReadAtMost(Span<byte> destination)
    {
        int total = 0;
        int buffered = Math.Min(_end - _start, destination.Length);
        if (buffered > 0)
        {
            _buffer.AsSpan(_start, buffered).CopyTo(destination);
            _start += buffered;
            total = buffered;
        }

        while (total < destination.Length && !_endOfStream)
        {
            int read = _stream.Read(destination[total..]);
            if (read == 0)
            {
                _endOfStream = true;
                break;
            }

            total += read;
        }

        return total;
    }

    /// <summary>Reads up to <paramref name="limit"/> bytes and discards them; returns how many there were.</summary>
    public int Skip(int limit, Func<byte, bool> accept, out bool allAccepted)
    {
        allAccepted = true;
        int total = 0;
        Span<byte> scratch = stackalloc byte[256];
        while (total < limit)
        {
            int read = ReadAtMost(scratch[..Math.Min(scratch.Length, limit - total)]);
            if (read == 0)
            {
                break;
            }

            foreach (byte b in scratch[..read])
            {
                allAccepted &= accept(b);
            }

            total += read;
        }

        return total;
    }

    private bool Fill()
    {
        if (_endOfStream)
        {
            return false;
        }

        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            return false;
        }

        int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _endOfStream = true;
            return false;
        }

        _end += read;
        return true;
    }
}

/// <summary>Outcome of <see cref="AgeInput.ReadLine"/>.</summary>
internal enum LineStatus
{
    /// <summary>A line was read.</summary>
    Line,

    /// <summary>No bytes were left.</summary>
    EndOfStream,

    /// <summary>The line exceeds <see cref="AgeInput.MaxLineLength"/>.</summary>
    TooLong,
}
