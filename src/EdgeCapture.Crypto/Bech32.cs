namespace EdgeCapture.Crypto;

/// <summary>
/// BIP 173 Bech32 (the original checksum constant, not Bech32m) without the 90-character limit, as age uses it
/// for <c>age1…</c> recipients and <c>AGE-SECRET-KEY-1…</c> identities. Works on spans so secret keys can be
/// encoded and decoded in buffers that are wiped afterwards.
/// </summary>
internal static class Bech32
{
    private const string Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    private const int ChecksumLength = 6;

    /// <summary>Longest text accepted: far above any age key, low enough for stack buffers.</summary>
    public const int MaxTextLength = 1024;

    /// <summary>Characters needed to encode <paramref name="dataLength"/> bytes under a prefix of <paramref name="hrpLength"/> characters.</summary>
    public static int EncodedLength(int hrpLength, int dataLength) => hrpLength + 1 + ((dataLength * 8) + 4) / 5 + ChecksumLength;

    /// <summary>Encodes <paramref name="data"/> under the human-readable prefix; the output is lower case unless <paramref name="upperCase"/>.</summary>
    public static int Encode(ReadOnlySpan<char> hrp, ReadOnlySpan<byte> data, Span<char> destination, bool upperCase)
    {
        int length = EncodedLength(hrp.Length, data.Length);
        if (destination.Length < length)
        {
            throw new ArgumentException("Destination too small.", nameof(destination));
        }

        Span<byte> values = stackalloc byte[length - hrp.Length - 1];
        int valueCount = ConvertBits8To5(data, values);
        Span<byte> checksum = values.Slice(valueCount, ChecksumLength);
        CreateChecksum(hrp, values[..valueCount], checksum);

        int position = 0;
        foreach (char c in hrp)
        {
            destination[position++] = char.ToLowerInvariant(c);
        }

        destination[position++] = '1';
        foreach (byte value in values[..(valueCount + ChecksumLength)])
        {
            destination[position++] = Charset[value];
        }

        if (upperCase)
        {
            for (int i = 0; i < position; i++)
            {
                destination[i] = char.ToUpperInvariant(destination[i]);
            }
        }

        values.Clear();
        return position;
    }

    /// <summary>Encodes into a new string (for public data only).</summary>
    public static string Encode(string hrp, ReadOnlySpan<byte> data, bool upperCase)
    {
        Span<char> buffer = stackalloc char[EncodedLength(hrp.Length, data.Length)];
        int written = Encode(hrp, data, buffer, upperCase);
        return new string(buffer[..written]);
    }

    /// <summary>
    /// Decodes ASCII Bech32. On success <paramref name="hrpLength"/> is the length of the prefix in
    /// <paramref name="text"/> (its case is preserved there) and the data is in <paramref name="data"/>.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> text, Span<byte> data, out int hrpLength, out int dataLength, out string error)
    {
        hrpLength = 0;
        dataLength = 0;
        if (text.Length > MaxTextLength)
        {
            error = "too long";
            return false;
        }

        bool hasLower = false;
        bool hasUpper = false;
        foreach (byte c in text)
        {
            if (c < 33 || c > 126)
            {
                error = "invalid character";
                return false;
            }

            hasLower |= c is >= (byte)'a' and <= (byte)'z';
            hasUpper |= c is >= (byte)'A' and <= (byte)'Z';
        }

        if (hasLower && hasUpper)
        {
            error = "mixed case";
            return false;
        }

        int separator = text.LastIndexOf((byte)'1');
        if (separator < 1 || separator + 1 + ChecksumLength > text.Length)
        {
            error = "separator '1' at an invalid position";
            return false;
        }

        ReadOnlySpan<byte> hrp = text[..separator];
        ReadOnlySpan<byte> encoded = text[(separator + 1)..];
        Span<byte> values = stackalloc byte[encoded.Length];
        for (int i = 0; i < encoded.Length; i++)
        {
            int value = Charset.IndexOf(char.ToLowerInvariant((char)encoded[i]), StringComparison.Ordinal);
            if (value < 0)
            {
                values.Clear();
                error = "invalid character in data part";
                return false;
            }

            values[i] = (byte)value;
        }

        Span<char> hrpChars = stackalloc char[hrp.Length];
        for (int i = 0; i < hrp.Length; i++)
        {
            hrpChars[i] = (char)hrp[i];
        }

        if (Polymod(hrpChars, values) != 1)
        {
            values.Clear();
            error = "invalid checksum";
            return false;
        }

        bool converted = TryConvertBits5To8(values[..^ChecksumLength], data, out dataLength);
        values.Clear();
        if (!converted)
        {
            error = "invalid padding or data too long";
            return false;
        }

        hrpLength = separator;
        error = string.Empty;
        return true;
    }

    private static int ConvertBits8To5(ReadOnlySpan<byte> data, Span<byte> output)
    {
        int accumulator = 0;
        int bits = 0;
        int count = 0;
        foreach (byte b in data)
        {
            accumulator = ((accumulator << 8) | b) & 0xFFF;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                output[count++] = (byte)((accumulator >> bits) & 31);
            }
        }

        if (bits > 0)
        {
            output[count++] = (byte)((accumulator << (5 - bits)) & 31);
        }

        return count;
    }

    private static bool TryConvertBits5To8(ReadOnlySpan<byte> values, Span<byte> output, out int count)
    {
        int accumulator = 0;
        int bits = 0;
        count = 0;
        foreach (byte value in values)
        {
            accumulator = ((accumulator << 5) | value) & 0xFFF;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                if (count == output.Length)
                {
                    return false;
                }

                output[count++] = (byte)((accumulator >> bits) & 0xFF);
            }
        }

        // BIP 173: at most 4 padding bits, all zero.
        return bits < 5 && ((accumulator << (8 - bits)) & 0xFF) == 0;
    }

    private static void CreateChecksum(ReadOnlySpan<char> hrp, ReadOnlySpan<byte> values, Span<byte> checksum)
    {
        Span<byte> extended = stackalloc byte[values.Length + ChecksumLength];
        values.CopyTo(extended);
        extended[values.Length..].Clear();
        uint polymod = Polymod(hrp, extended) ^ 1;
        for (int i = 0; i < ChecksumLength; i++)
        {
            checksum[i] = (byte)((polymod >> (5 * (5 - i))) & 31);
        }

        extended.Clear();
    }

    private static uint Polymod(ReadOnlySpan<char> hrp, ReadOnlySpan<byte> values)
    {
        uint checksum = 1;
        foreach (char c in hrp)
        {
            checksum = Step(checksum, (uint)(char.ToLowerInvariant(c) >> 5));
        }

        checksum = Step(checksum, 0);
        foreach (char c in hrp)
        {
            checksum = Step(checksum, (uint)(char.ToLowerInvariant(c) & 31));
        }

        foreach (byte value in values)
        {
            checksum = Step(checksum, value);
        }

        return checksum;
    }

    private static uint Step(uint checksum, uint value)
    {
        uint top = checksum >> 25;
        checksum = ((checksum & 0x1FFFFFF) << 5) ^ value;
        if ((top & 1) != 0)
        {
            checksum ^= 0x3B6A57B2;
        }

        if ((top & 2) != 0)
        {
            checksum ^= 0x26508E6D;
        }

        if ((top & 4) != 0)
        {
            checksum ^= 0x1EA119FA;
        }

        if ((top & 8) != 0)
        {
            checksum ^= 0x3D4233DD;
        }

        if ((top & 16) != 0)
        {
            checksum ^= 0x2A1462B3;
        }

        return checksum;
    }
}
