using System.Buffers.Text;

namespace EdgeCapture.Crypto;

/// <summary>
/// RFC 4648 standard-alphabet base64 that accepts exactly one spelling of each byte string: age headers use it
/// without padding, armor and device key files with padding. Anything else (other characters, whitespace,
/// missing or extra padding, non-zero unused bits) is refused, so no file has two valid encodings.
/// </summary>
internal static class StrictBase64
{
    private static ReadOnlySpan<sbyte> DecodeTable =>
    [
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
        52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
        -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
        15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
        -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
        41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
    ];

    /// <summary>Decoded length of an unpadded encoding of <paramref name="characters"/> characters, or -1 if no such encoding exists.</summary>
    public static int UnpaddedDecodedLength(int characters) => (characters % 4) switch
    {
        0 => characters / 4 * 3,
        2 => (characters / 4 * 3) + 1,
        3 => (characters / 4 * 3) + 2,
        _ => -1,
    };

    /// <summary>Encoded length without padding of <paramref name="bytes"/> bytes.</summary>
    public static int UnpaddedEncodedLength(int bytes) => ((bytes * 4) + 2) / 3;

    /// <summary>Decodes canonical unpadded base64 (ASCII). Returns false on any deviation.</summary>
    public static bool TryDecodeUnpadded(ReadOnlySpan<byte> text, Span<byte> destination, out int written)
    {
        written = 0;
        int length = UnpaddedDecodedLength(text.Length);
        if (length < 0 || destination.Length < length)
        {
            return false;
        }

        int fullGroups = text.Length / 4;
        int output = 0;
        for (int group = 0; group < fullGroups; group++)
        {
            int a = Value(text[group * 4]);
            int b = Value(text[(group * 4) + 1]);
            int c = Value(text[(group * 4) + 2]);
            int d = Value(text[(group * 4) + 3]);
            if ((a | b | c | d) < 0)
            {
                return false;
            }

            int bits = (a << 18) | (b << 12) | (c << 6) | d;
            destination[output++] = (byte)(bits >> 16);
            destination[output++] = (byte)(bits >> 8);
            destination[output++] = (byte)bits;
        }

        ReadOnlySpan<byte> rest = text[(fullGroups * 4)..];
        if (rest.Length == 2)
        {
            int a = Value(rest[0]);
            int b = Value(rest[1]);
            // The four unused low bits must be zero, otherwise two strings decode to the same byte.
            if ((a | b) < 0 || (b & 0x0F) != 0)
            {
                return false;
            }

            destination[output++] = (byte)((a << 2) | (b >> 4));
        }
        else if (rest.Length == 3)
        {
            int a = Value(rest[0]);
            int b = Value(rest[1]);
            int c = Value(rest[2]);
            if ((a | b | c) < 0 || (c & 0x03) != 0)
            {
                return false;
            }

            int bits = (a << 12) | (b << 6) | c;
            destination[output++] = (byte)(bits >> 10);
            destination[output++] = (byte)(bits >> 2);
        }

        written = output;
        return true;
    }

    /// <summary>Decodes canonical padded base64 (ASCII, length a multiple of 4). Returns false on any deviation.</summary>
    public static bool TryDecodePadded(ReadOnlySpan<byte> text, Span<byte> destination, out int written)
    {
        written = 0;
        if (text.Length % 4 != 0)
        {
            return false;
        }

        int padding = 0;
        if (text.Length > 0 && text[^1] == (byte)'=')
        {
            padding = text.Length > 1 && text[^2] == (byte)'=' ? 2 : 1;
        }

        // Strip the padding and decode the rest strictly; the stripped length must be consistent with the padding.
        ReadOnlySpan<byte> body = text[..^padding];
        int remainder = body.Length % 4;
        if ((padding == 0 && remainder != 0) || (padding == 1 && remainder != 3) || (padding == 2 && remainder != 2))
        {
            return false;
        }

        return TryDecodeUnpadded(body, destination, out written);
    }

    /// <summary>Encodes without padding to an ASCII string.</summary>
    public static string EncodeUnpadded(ReadOnlySpan<byte> data) => Convert.ToBase64String(data).TrimEnd('=');

    /// <summary>Encodes with padding into UTF-8 bytes; returns the number written.</summary>
    public static int EncodePadded(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        Base64.EncodeToUtf8(data, destination, out _, out int written);
        return written;
    }

    private static int Value(byte character) => character < 128 ? DecodeTable[character] : -1;
}
