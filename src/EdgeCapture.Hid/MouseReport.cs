using System.Buffers.Binary;

namespace EdgeCapture.Hid;

/// <summary>
/// The relative mouse input report (7 bytes, no report ID), laid out exactly as firmware/hid/mouse.hid declares:
/// byte 0 buttons 1..8 (bit 0 = button 1 = BTN_LEFT), bytes 1-2 X and bytes 3-4 Y as signed 16-bit little-endian,
/// byte 5 vertical wheel and byte 6 horizontal pan (AC Pan) as signed 8-bit.
/// </summary>
/// <remarks>
/// Seven bytes because 16-bit X/Y keep a high-DPI mouse's fast moves in one report, and wheel plus pan need one
/// byte each; eight buttons fill the first byte with no padding and map one to one onto BTN_LEFT..BTN_TASK.
/// The logical ranges are the full ranges of the field types, so any <see cref="short"/>/<see cref="sbyte"/>
/// value is legal and nothing is clamped.
/// </remarks>
public static class MouseReport
{
    /// <summary>Bytes in one mouse input report.</summary>
    public const int ReportLength = 7;

    /// <summary>Buttons the report carries (Button page usages 1..8).</summary>
    public const int MaximumButtons = 8;

    /// <summary>Smallest X/Y delta one report carries (the descriptor's logical minimum).</summary>
    public const short MinimumDelta = short.MinValue;

    /// <summary>Largest X/Y delta one report carries (the descriptor's logical maximum).</summary>
    public const short MaximumDelta = short.MaxValue;

    /// <summary>Smallest wheel or pan step one report carries.</summary>
    public const sbyte MinimumWheel = sbyte.MinValue;

    /// <summary>Largest wheel or pan step one report carries.</summary>
    public const sbyte MaximumWheel = sbyte.MaxValue;

    /// <summary>Writes one relative mouse report.</summary>
    /// <param name="report">At least <see cref="ReportLength"/> bytes; the first seven are overwritten.</param>
    /// <param name="buttons">Bit n set = button n+1 held (bit 0 left, 1 right, 2 middle, 3 side/back, 4 extra/forward).</param>
    /// <param name="deltaX">Motion to the right, in counts.</param>
    /// <param name="deltaY">Motion downwards, in counts.</param>
    /// <param name="wheel">Vertical wheel detents, positive away from the user (scroll up).</param>
    /// <param name="pan">Horizontal scroll detents, positive to the right.</param>
    public static void Write(Span<byte> report, byte buttons, short deltaX, short deltaY, sbyte wheel, sbyte pan)
    {
        if (report.Length < ReportLength)
        {
            throw new ArgumentException($"A mouse report needs {ReportLength} bytes.", nameof(report));
        }

        report[0] = buttons;
        BinaryPrimitives.WriteInt16LittleEndian(report[1..], deltaX);
        BinaryPrimitives.WriteInt16LittleEndian(report[3..], deltaY);
        report[5] = unchecked((byte)wheel);
        report[6] = unchecked((byte)pan);
    }
}
