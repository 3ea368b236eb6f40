using System.Globalization;

namespace EdgeCapture.Hid.Descriptors;

/// <summary>
/// Reads the annotated hex text the descriptors are stored in (firmware/hid/*.hid): bytes as two hex digits
/// separated by white space, '#' starting a comment to the end of the line. The gadget script reads the same
/// format with bash, so keep it this simple.
/// </summary>
public static class HidDescriptorText
{
    /// <summary>Converts annotated hex text to descriptor bytes.</summary>
    /// <param name="text">The file's text.</param>
    /// <returns>The descriptor bytes.</returns>
    /// <exception cref="HidDescriptorFormatException">A token is not exactly two hex digits; the message names the line.</exception>
    public static byte[] Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = new List<byte>();
        string[] lines = text.Split('\n');
        for (int lineIndex = 0; lineIndex < lines.Length; lineIndex++)
        {
            string line = lines[lineIndex];
            int comment = line.IndexOf('#', StringComparison.Ordinal);
            if (comment >= 0)
            {
                line = line[..comment];
            }

            foreach (string token in line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (token.Length != 2 || !byte.TryParse(token, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte value))
                {
                    throw new HidDescriptorFormatException($"HID descriptor text, line {lineIndex + 1}: '{token}' is not two hex digits.");
                }

                bytes.Add(value);
            }
        }

        return [.. bytes];
    }

    /// <summary>Reads and converts a descriptor file.</summary>
    /// <param name="path">Path of a .hid file.</param>
    /// <returns>The descriptor bytes.</returns>
    public static byte[] ReadFile(string path) => Parse(File.ReadAllText(path));
}
