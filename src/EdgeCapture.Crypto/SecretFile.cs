using System.Text;

namespace EdgeCapture.Crypto;

/// <summary>
/// Creates and reads small secret files (age identities, device keys). New files are written to a temporary
/// name with mode 0600 from the first byte, flushed to disk, then linked into place without replacing anything,
/// so a crash never leaves a torn key and an existing key is never overwritten.
/// </summary>
internal static class SecretFile
{
    /// <summary>Largest key file read: key files are a few hundred bytes.</summary>
    public const int MaxLength = 64 * 1024;

    public static void CreateNew(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        if (File.Exists(fullPath) || Directory.Exists(fullPath))
        {
            throw new IOException($"Refusing to overwrite existing file '{fullPath}'.");
        }

        string directory = Path.GetDirectoryName(fullPath) ?? ".";
        string temporary = Path.Combine(directory, "." + Path.GetFileName(fullPath) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            // overwrite: false never replaces a key that appeared meanwhile.
            File.Move(temporary, fullPath, overwrite: false);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Reads a whole key file into a new array the caller must wipe.</summary>
    public static byte[] ReadAll(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        if (stream.Length > MaxLength)
        {
            throw new IOException($"Key file '{path}' is larger than {MaxLength} bytes; it is not a key file.");
        }

        byte[] buffer = new byte[(int)stream.Length];
        stream.ReadExactly(buffer);
        return buffer;
    }

    /// <summary>Whether group or others may read or write the file (Unix only).</summary>
    public static bool IsAccessibleByOthers(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        return (File.GetUnixFileMode(path) & others) != 0;
    }

    /// <summary>Splits ASCII text into lines without allocating, dropping a trailing CR.</summary>
    public static IEnumerable<(int LineNumber, int Start, int Length)> Lines(byte[] text)
    {
        int start = 0;
        int lineNumber = 1;
        while (start < text.Length)
        {
            int end = Array.IndexOf(text, (byte)'\n', start);
            int stop = end < 0 ? text.Length : end;
            int length = stop - start;
            if (length > 0 && text[start + length - 1] == (byte)'\r')
            {
                length--;
            }

            yield return (lineNumber, start, length);
            lineNumber++;
            start = stop + 1;
        }
    }

    /// <summary>Trims ASCII whitespace on both ends.</summary>
    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> line)
    {
        int start = 0;
        int end = line.Length;
        while (start < end && IsWhitespace(line[start]))
        {
            start++;
        }

        while (end > start && IsWhitespace(line[end - 1]))
        {
            end--;
        }

        return line[start..end];
    }

    public static bool IsWhitespace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';

    /// <summary>ASCII bytes of a string (keys are ASCII); non-ASCII characters become 0xFF so they never match.</summary>
    public static int ToAscii(ReadOnlySpan<char> text, Span<byte> destination)
    {
        for (int i = 0; i < text.Length; i++)
        {
            destination[i] = text[i] < 128 ? (byte)text[i] : (byte)0xFF;
        }

        return text.Length;
    }

    public static readonly Encoding Ascii = Encoding.ASCII;
}
