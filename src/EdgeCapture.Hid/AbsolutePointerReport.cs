using System.Buffers.Binary;

namespace EdgeCapture.Hid;

/// <summary>
/// The absolute pointer input report (7 bytes, no report ID), laid out exactly as firmware/hid/absolute-pointer.hid
/// declares: byte 0 buttons 1..8 (bit 0 = BTN_LEFT), bytes 1-2 X and bytes 3-4 Y as unsigned 16-bit little-endian in
/// 0..<see cref="MaximumCoordinate"/>, byte 5 vertical wheel and byte 6 AC Pan as signed 8-bit, relative.
/// </summary>
/// <remarks>
/// The same length and button/wheel bytes as <see cref="MouseReport"/>, so the gadget function's report_length is 7 in
/// both pointer modes and only X/Y change meaning. 0..32767 is the range PiKVM uses; hosts map it onto the primary display.
/// </remarks>
public static class AbsolutePointerReport
{
    /// <summary>Bytes in one absolute pointer input report.</summary>
    public const int ReportLength = 7;

    /// <summary>The largest X or Y value (the descriptor's logical maximum); 0 is the smallest.</summary>
    public const ushort MaximumCoordinate = 32767;

    /// <summary>Writes one absolute pointer report.</summary>
    /// <param name="report">At least <see cref="ReportLength"/> bytes; the first seven are overwritten.</param>
    /// <param name="buttons">Bit n set = button n+1 held.</param>
    /// <param name="x">Horizontal position, 0 (left edge) .. <see cref="MaximumCoordinate"/> (right edge); larger values are clamped.</param>
    /// <param name="y">Vertical position, 0 (top) .. <see cref="MaximumCoordinate"/> (bottom); larger values are clamped.</param>
    /// <param name="wheel">Vertical wheel detents, positive away from the user.</param>
    /// <param name="pan">Horizontal scroll detents, positive to the right.</param>
    public static void Write(Span<byte> report, byte buttons, ushort x, ushort y, sbyte wheel, sbyte pan)
    {
        if (report.Length < ReportLength)
        {
            throw new ArgumentException($"An absolute pointer report needs {ReportLength} bytes.", nameof(report));
        }

        report[0] = buttons;
        BinaryPrimitives.WriteUInt16LittleEndian(report[1..], Math.Min(x, MaximumCoordinate));
        BinaryPrimitives.WriteUInt16LittleEndian(report[3..], Math.Min(y, MaximumCoordinate));
        report[5] = unchecked((byte)wheel);
        report[6] = unchecked((byte)pan);
    }

    /// <summary>
    /// The logical coordinate for a pixel: the centre of the pixel's share of 0..32768, so a host that maps with
    /// <c>floor(v * size / 32768)</c> and one that maps with <c>round(v * (size - 1) / 32767)</c> both land on the pixel.
    /// </summary>
    /// <param name="pixel">0 .. <paramref name="size"/> - 1 (clamped).</param>
    /// <param name="size">Screen width or height in pixels, at least 1.</param>
    /// <returns>The logical coordinate.</returns>
    public static ushort ToLogical(int pixel, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        long clamped = Math.Clamp(pixel, 0, size - 1);
        long logical = ((2 * clamped) + 1) * (MaximumCoordinate + 1L) / (2L * size);
        return (ushort)Math.Min(logical, MaximumCoordinate);
    }
}
