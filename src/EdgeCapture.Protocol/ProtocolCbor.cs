using System.Formats.Cbor;
using System.Globalization;

namespace EdgeCapture.Protocol;

/// <summary>Strict CBOR reading shared by the codecs: canonical encoding only, nothing after the item, every library failure turned into a <see cref="ProtocolFormatException"/>.</summary>
internal static class ProtocolCbor
{
    internal const int SessionIdLength = 16;
    internal const int Sha256Length = 32;

    internal static CborWriter Writer() => new(CborConformanceMode.Canonical);

    /// <summary>Runs <paramref name="read"/> over <paramref name="bytes"/> after the size check, requiring that it consumes everything.</summary>
    internal static T Decode<T>(ReadOnlyMemory<byte> bytes, int maximumLength, string what, Func<CborReader, T> read)
    {
        if (bytes.Length > maximumLength)
        {
            throw new ProtocolFormatException(string.Create(CultureInfo.InvariantCulture, $"{what} is {bytes.Length} bytes, more than the limit of {maximumLength}."));
        }

        if (bytes.IsEmpty)
        {
            throw new ProtocolFormatException($"{what} is empty.");
        }

        try
        {
            var reader = new CborReader(bytes, CborConformanceMode.Canonical);
            T value = read(reader);
            if (reader.BytesRemaining != 0)
            {
                throw new ProtocolFormatException(string.Create(CultureInfo.InvariantCulture, $"{what} has {reader.BytesRemaining} bytes after its end."));
            }

            return value;
        }
        catch (CborContentException exception)
        {
            throw new ProtocolFormatException($"{what} is not canonical CBOR: {exception.Message}", exception);
        }
        catch (InvalidOperationException exception)
        {
            throw new ProtocolFormatException($"{what} has an unexpected item: {exception.Message}", exception);
        }
        catch (OverflowException exception)
        {
            throw new ProtocolFormatException($"{what} has a number out of range.", exception);
        }
        catch (FormatException exception)
        {
            throw new ProtocolFormatException($"{what} has an invalid text string.", exception);
        }
    }

    internal static void ReadArrayStart(CborReader reader, int expected, string what)
    {
        int? count = reader.ReadStartArray();
        if (count != expected)
        {
            throw new ProtocolFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{what} is an array of {(count is null ? "indefinite length" : count.Value.ToString(CultureInfo.InvariantCulture))}, expected {expected} items."));
        }
    }

    internal static void ReadType(CborReader reader, string expected, string what)
    {
        if (reader.PeekState() != CborReaderState.TextString)
        {
            throw new ProtocolFormatException($"{what} does not start with its type string.");
        }

        string type = ReadBoundedText(reader, 64, what + " type");
        if (!string.Equals(type, expected, StringComparison.Ordinal))
        {
            throw new ProtocolFormatException($"{what} has type '{Printable(type)}', expected '{expected}'.");
        }
    }

    internal static string ReadDeviceId(CborReader reader, string what)
    {
        string deviceId = ReadBoundedText(reader, ProtocolLimits.MaximumDeviceIdLength, what + " device id");
        if (!DeviceIdentifier.IsValid(deviceId))
        {
            throw new ProtocolFormatException($"{what} names an invalid device id.");
        }

        return deviceId;
    }

    internal static string ReadBoundedText(CborReader reader, int maximumCharacters, string what)
    {
        // Peek the encoded length before the library allocates the string (UTF-8: at most 4 bytes per character).
        ReadOnlyMemory<byte> encoded = reader.ReadEncodedValue();
        var inner = new CborReader(encoded, CborConformanceMode.Canonical);
        if (encoded.Length > (maximumCharacters * 4) + 9)
        {
            throw new ProtocolFormatException(string.Create(CultureInfo.InvariantCulture, $"{what} is longer than {maximumCharacters} characters."));
        }

        string text = inner.ReadTextString();
        if (text.Length > maximumCharacters)
        {
            throw new ProtocolFormatException(string.Create(CultureInfo.InvariantCulture, $"{what} is longer than {maximumCharacters} characters."));
        }

        return text;
    }

    internal static byte[] ReadFixedBytes(CborReader reader, int length, string what)
    {
        ReadOnlyMemory<byte> value = ReadBoundedBytes(reader, length, what);
        if (value.Length != length)
        {
            throw new ProtocolFormatException(string.Create(CultureInfo.InvariantCulture, $"{what} is {value.Length} bytes, expected {length}."));
        }

        return value.ToArray();
    }

    /// <summary>A byte string of at most <paramref name="maximumLength"/> bytes, without copying (a slice of the input).</summary>
    internal static ReadOnlyMemory<byte> ReadBoundedBytes(CborReader reader, int maximumLength, string what)
    {
        if (reader.PeekState() != CborReaderState.ByteString)
        {
            throw new ProtocolFormatException($"{what} is not a byte string.");
        }

        ReadOnlyMemory<byte> encoded = reader.ReadEncodedValue();
        var inner = new CborReader(encoded, CborConformanceMode.Canonical);
        if (!inner.TryReadByteString(Span<byte>.Empty, out _))
        {
            // Non-empty: the content is the encoded value after its head (definite length is guaranteed by canonical mode).
            int headLength = HeadLength(encoded.Span[0]);
            int contentLength = encoded.Length - headLength;
            if (contentLength > maximumLength)
            {
                throw new ProtocolFormatException(string.Create(CultureInfo.InvariantCulture, $"{what} is {contentLength} bytes, more than {maximumLength}."));
            }

            return encoded[headLength..];
        }

        return ReadOnlyMemory<byte>.Empty;
    }

    internal static Guid ReadSessionId(CborReader reader, string what) =>
        new(ReadFixedBytes(reader, SessionIdLength, what + " session id"), bigEndian: true);

    internal static void WriteSessionId(CborWriter writer, Guid sessionId)
    {
        Span<byte> bytes = stackalloc byte[SessionIdLength];
        sessionId.TryWriteBytes(bytes, bigEndian: true, out _);
        writer.WriteByteString(bytes);
    }

    internal static int ReadNonNegativeInt32(CborReader reader, string what)
    {
        if (reader.PeekState() != CborReaderState.UnsignedInteger)
        {
            throw new ProtocolFormatException($"{what} is not a non-negative integer.");
        }

        return reader.ReadInt32();
    }

    internal static long ReadNonNegativeInt64(CborReader reader, string what)
    {
        if (reader.PeekState() != CborReaderState.UnsignedInteger)
        {
            throw new ProtocolFormatException($"{what} is not a non-negative integer.");
        }

        return reader.ReadInt64();
    }

    internal static string Printable(string text)
    {
        string shortened = text.Length > 64 ? text[..64] : text;
        return new string(shortened.Select(character => character is >= ' ' and <= '~' ? character : '?').ToArray());
    }

    private static int HeadLength(byte initialByte) => (initialByte & 0x1f) switch
    {
        < 24 => 1,
        24 => 2,
        25 => 3,
        26 => 5,
        _ => 9,
    };
}
