using System.Buffers.Text;

namespace EdgeCapture.Crypto;

/// <summary>
/// Reads the age ASCII armor (PEM, label <c>AGE ENCRYPTED FILE</c>) exactly as the C2SP spec and the reference
/// implementation do: optional whitespace around the armor, LF or CRLF line ends, padded canonical base64 in
/// 64-column lines with only the last one shorter, nothing else. Any deviation is an <see cref="AgeArmorException"/>.
/// </summary>
internal sealed class ArmorReadStream : Stream
{
    public const string BeginLine = "-----BEGIN AGE ENCRYPTED FILE-----";
    public const string EndLine = "-----END AGE ENCRYPTED FILE-----";
    private const int MaxWhitespace = 1024;

    private readonly AgeInput _input;
    private readonly byte[] _decoded = new byte[AgeHeader.BytesPerBodyLine];
    private int _decodedStart;
    private int _decodedEnd;
    private bool _started;
    private bool _finished;
    private AgeArmorException? _pendingError;

    public ArmorReadStream(AgeInput input)
    {
        _input = input;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            if (_decodedStart < _decodedEnd)
            {
                int count = Math.Min(buffer.Length, _decodedEnd - _decodedStart);
                _decoded.AsSpan(_decodedStart, count).CopyTo(buffer);
                _decodedStart += count;
                return count;
            }

            if (_pendingError is not null)
            {
                throw _pendingError;
            }

            if (_finished || buffer.IsEmpty)
            {
                return 0;
            }

            try
            {
                DecodeNextLine();
            }
            catch (AgeArmorException error)
            {
                _pendingError = error;
                throw;
            }
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void DecodeNextLine()
    {
        int removedWhitespace = 0;
        while (!_started)
        {
            ReadOnlySpan<byte> candidate = GetLine("the BEGIN line");
            if (SecretFile.Trim(candidate).IsEmpty)
            {
                removedWhitespace += candidate.Length + 1;
                if (removedWhitespace > MaxWhitespace)
                {
                    throw new AgeArmorException("Too much whitespace before the age armor.");
                }

                continue;
            }

            if (!IsLine(candidate, BeginLine))
            {
                throw new AgeArmorException("Invalid age armor: the first line is not '" + BeginLine + "'.");
            }

            _started = true;
        }

        ReadOnlySpan<byte> line = GetLine("a base64 line or the END line");
        if (IsLine(line, EndLine))
        {
            DrainTrailing();
            return;
        }

        if (line.IsEmpty)
        {
            // The writer never emits one: a full last line is followed directly by the END line.
            throw new AgeArmorException("Invalid age armor: empty line inside the armor.");
        }

        if (line.Length > AgeHeader.ColumnsPerBodyLine)
        {
            throw new AgeArmorException($"Invalid age armor: a line is longer than {AgeHeader.ColumnsPerBodyLine} columns.");
        }

        if (!StrictBase64.TryDecodePadded(line, _decoded, out int length))
        {
            throw new AgeArmorException("Invalid age armor: a line is not canonical padded base64.");
        }

        _decodedStart = 0;
        _decodedEnd = length;
        if (length < AgeHeader.BytesPerBodyLine)
        {
            // A short line is the last one: the END line must follow. Errors after it surface once its bytes are read.
            try
            {
                ReadOnlySpan<byte> end = GetLine("the END line");
                if (!IsLine(end, EndLine))
                {
                    throw new AgeArmorException("Invalid age armor: a short base64 line is not followed by '" + EndLine + "'.");
                }

                DrainTrailing();
            }
            catch (AgeArmorException error)
            {
                _pendingError = error;
            }
        }
    }

    private void DrainTrailing()
    {
        int skipped = _input.Skip(MaxWhitespace, SecretFile.IsWhitespace, out bool onlyWhitespace);
        if (!onlyWhitespace)
        {
            throw new AgeArmorException("Invalid age armor: data follows the END line.");
        }

        if (skipped == MaxWhitespace)
        {
            throw new AgeArmorException("Too much whitespace after the age armor.");
        }

        _finished = true;
    }

    private ReadOnlySpan<byte> GetLine(string expected)
    {
        LineStatus status = _input.ReadLine(out ReadOnlySpan<byte> line, out _);
        if (status == LineStatus.EndOfStream)
        {
            throw new AgeArmorException("Truncated age armor: the input ends before " + expected + ".");
        }

        if (status == LineStatus.TooLong)
        {
            throw new AgeArmorException("Invalid age armor: a line is far too long.");
        }

        return line.EndsWith("\r"u8) ? line[..^1] : line;
    }

    private static bool IsLine(ReadOnlySpan<byte> line, string expected)
    {
        if (line.Length != expected.Length)
        {
            return false;
        }

        for (int i = 0; i < line.Length; i++)
        {
            if (line[i] != expected[i])
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// Writes the age ASCII armor: BEGIN line, padded base64 in 64-column LF lines, END line. Buffers whole lines
/// so large files are encoded in big blocks.
/// </summary>
internal sealed class ArmorWriteStream
{
    private const int LinesPerBlock = 1024;
    private readonly Stream _output;
    private readonly byte[] _pending = new byte[AgeHeader.BytesPerBodyLine * LinesPerBlock];
    private readonly byte[] _encoded = new byte[(AgeHeader.ColumnsPerBodyLine + 1) * LinesPerBlock];
    private int _pendingLength;

    public ArmorWriteStream(Stream output)
    {
        _output = output;
        _output.Write(System.Text.Encoding.ASCII.GetBytes(ArmorReadStream.BeginLine + "\n"));
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            int count = Math.Min(data.Length, _pending.Length - _pendingLength);
            data[..count].CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += count;
            data = data[count..];
            if (_pendingLength == _pending.Length)
            {
                EncodeLines(_pendingLength);
            }
        }
    }

    /// <summary>Writes the remaining (possibly short) line and the END line.</summary>
    public void Complete()
    {
        EncodeLines(_pendingLength);
        _output.Write(System.Text.Encoding.ASCII.GetBytes(ArmorReadStream.EndLine + "\n"));
    }

    private void EncodeLines(int length)
    {
        int written = 0;
        for (int offset = 0; offset < length; offset += AgeHeader.BytesPerBodyLine)
        {
            int lineBytes = Math.Min(AgeHeader.BytesPerBodyLine, length - offset);
            Base64.EncodeToUtf8(_pending.AsSpan(offset, lineBytes), _encoded.AsSpan(written), out _, out int encoded);
            written += encoded;
            _encoded[written++] = (byte)'\n';
        }

        _output.Write(_encoded, 0, written);
        _pendingLength = 0;
    }
}
