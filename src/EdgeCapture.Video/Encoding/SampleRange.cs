using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeCapture.Video.Encoding;

/// <summary>The quantisation range of a source's YCbCr samples.</summary>
public enum YCbCrRange
{
    /// <summary>
    /// Limited ("video", "studio") range: Y 16-235, Cb/Cr 16-240 (BT.601/CEA-861). What the TC358743 delivers as UYVY
    /// (the driver selects MASK_VOUT_COLOR_601_YCBCR_LIMITED) and what the simulated desktop draws. Default.
    /// </summary>
    Limited = 0,

    /// <summary>Full range 0-255, as JFIF stores it: samples go into the JPEG unchanged.</summary>
    Full = 1,
}

/// <summary>
/// Limited-range planes expanded in place to the full range JFIF decoders assume; without it every JPEG comes out washed
/// out (black at 16, white at 235). Fixed point in 16-bit lanes, so one pass of byte vectors (NEON on the Pi):
/// luma (Y - 16) * 255/219 as (Y - 16) * 298 / 256, chroma (C - 128) * 255/224 + 128 as ((C - 16) * 291 + 256) / 256,
/// inputs clamped to the legal range first (HDMI may carry super-whites; they saturate).
/// </summary>
internal static class SampleRange
{
    private const int LumaScale = 298;
    private const int ChromaScale = 291;

    /// <summary>Expands a luma plane (16-235) to 0-255 in place.</summary>
    public static void ExpandLuma(Span<byte> plane) => Expand(plane, 235, LumaScale, 128);

    /// <summary>Expands a chroma plane (16-240, centre 128) to 0-255 (centre 128) in place.</summary>
    public static void ExpandChroma(Span<byte> plane) => Expand(plane, 240, ChromaScale, 256);

    /// <summary>The scalar definition both paths follow.</summary>
    public static byte ExpandLuma(byte value) => Scalar(value, 235, LumaScale, 128);

    /// <summary>The scalar definition both paths follow.</summary>
    public static byte ExpandChroma(byte value) => Scalar(value, 240, ChromaScale, 256);

    private static byte Scalar(byte value, byte maximum, int scale, int rounding)
    {
        int clamped = Math.Clamp((int)value, 16, maximum) - 16;
        return (byte)Math.Min(255, ((clamped * scale) + rounding) >> 8);
    }

    private static void Expand(Span<byte> plane, byte maximum, int scale, int rounding)
    {
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            ref byte start = ref MemoryMarshal.GetReference(plane);
            Vector128<byte> low = Vector128.Create((byte)16);
            Vector128<byte> high = Vector128.Create(maximum);
            Vector128<ushort> factor = Vector128.Create((ushort)scale);
            Vector128<ushort> round = Vector128.Create((ushort)rounding);
            int last = plane.Length - Vector128<byte>.Count;
            for (; i <= last; i += Vector128<byte>.Count)
            {
                Vector128<byte> samples = Vector128.Min(Vector128.Max(Vector128.LoadUnsafe(ref start, (nuint)i), low), high) - low;
                (Vector128<ushort> lower, Vector128<ushort> upper) = Vector128.Widen(samples);

                // 219 * 298 + 128 and 224 * 291 + 256 are below 65536: the sums fit 16-bit lanes and end <= 255 after >> 8.
                lower = Vector128.ShiftRightLogical((lower * factor) + round, 8);
                upper = Vector128.ShiftRightLogical((upper * factor) + round, 8);
                Vector128.Narrow(lower, upper).StoreUnsafe(ref start, (nuint)i);
            }
        }

        for (; i < plane.Length; i++)
        {
            plane[i] = Scalar(plane[i], maximum, scale, rounding);
        }
    }
}
