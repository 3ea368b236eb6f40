using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeCapture.Video.Encoding;

/// <summary>Splits packed 4:2:2 rows (UYVY or YUYV) into 4:2:0 planes, optionally halving the size.</summary>
internal static class PackedPlanes
{
    /// <summary>Full size: Y is copied, Cb/Cr are averaged over each pair of rows.</summary>
    public static void SplitFullSize(
        ReadOnlySpan<byte> packed, int width, int height, int stride, bool uyvy, Span<byte> luma, Span<byte> blue, Span<byte> red)
    {
        int chromaWidth = width / 2;
        int blueOffset = uyvy ? 0 : 1;
        int redOffset = uyvy ? 2 : 3;
        for (int y = 0; y < height; y++)
        {
            ExtractLumaRow(packed.Slice(y * stride, width * 2), luma.Slice(y * width, width), uyvy);
        }

        int chromaHeight = (height + 1) / 2;
        for (int cy = 0; cy < chromaHeight; cy++)
        {
            ReadOnlySpan<byte> top = packed.Slice(2 * cy * stride, width * 2);
            ReadOnlySpan<byte> bottom = packed.Slice(Math.Min((2 * cy) + 1, height - 1) * stride, width * 2);
            Span<byte> blueRow = blue.Slice(cy * chromaWidth, chromaWidth);
            Span<byte> redRow = red.Slice(cy * chromaWidth, chromaWidth);
            for (int cx = 0, offset = 0; cx < chromaWidth; cx++, offset += 4)
            {
                blueRow[cx] = (byte)((top[offset + blueOffset] + bottom[offset + blueOffset] + 1) >> 1);
                redRow[cx] = (byte)((top[offset + redOffset] + bottom[offset + redOffset] + 1) >> 1);
            }
        }
    }

    /// <summary>Half size: each output luma is the mean of 2x2 source lumas; chroma is sampled from every other 4:2:2 pair and row.</summary>
    public static void SplitHalfSize(
        ReadOnlySpan<byte> packed, int width, int height, int stride, bool uyvy,
        int outputWidth, int outputHeight, Span<byte> luma, Span<byte> blue, Span<byte> red)
    {
        int lumaFirst = uyvy ? 1 : 0;
        int blueOffset = uyvy ? 0 : 1;
        int redOffset = uyvy ? 2 : 3;
        for (int oy = 0; oy < outputHeight; oy++)
        {
            ReadOnlySpan<byte> top = packed.Slice(2 * oy * stride, width * 2);
            ReadOnlySpan<byte> bottom = packed.Slice(Math.Min((2 * oy) + 1, height - 1) * stride, width * 2);
            Span<byte> row = luma.Slice(oy * outputWidth, outputWidth);
            for (int ox = 0, offset = 0; ox < outputWidth; ox++, offset += 4)
            {
                // One 4-byte group holds the two horizontally adjacent lumas.
                int sum = top[offset + lumaFirst] + top[offset + lumaFirst + 2] + bottom[offset + lumaFirst] + bottom[offset + lumaFirst + 2];
                row[ox] = (byte)((sum + 2) >> 2);
            }
        }

        int chromaWidth = (outputWidth + 1) / 2;
        int chromaHeight = (outputHeight + 1) / 2;
        int groups = width / 2;
        for (int cy = 0; cy < chromaHeight; cy++)
        {
            ReadOnlySpan<byte> top = packed.Slice(Math.Min(4 * cy, height - 1) * stride, width * 2);
            ReadOnlySpan<byte> bottom = packed.Slice(Math.Min((4 * cy) + 2, height - 1) * stride, width * 2);
            for (int cx = 0; cx < chromaWidth; cx++)
            {
                int first = Math.Min(2 * cx, groups - 1) * 4;
                int second = Math.Min((2 * cx) + 1, groups - 1) * 4;
                int blueSum = top[first + blueOffset] + top[second + blueOffset] + bottom[first + blueOffset] + bottom[second + blueOffset];
                int redSum = top[first + redOffset] + top[second + redOffset] + bottom[first + redOffset] + bottom[second + redOffset];
                blue[(cy * chromaWidth) + cx] = (byte)((blueSum + 2) >> 2);
                red[(cy * chromaWidth) + cx] = (byte)((redSum + 2) >> 2);
            }
        }
    }

    private static void ExtractLumaRow(ReadOnlySpan<byte> packedRow, Span<byte> lumaRow, bool uyvy)
    {
        ReadOnlySpan<ushort> pixels = MemoryMarshal.Cast<byte, ushort>(packedRow);
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            ref ushort source = ref MemoryMarshal.GetReference(pixels);
            ref byte destination = ref MemoryMarshal.GetReference(lumaRow);
            int last = pixels.Length - (2 * Vector128<ushort>.Count);
            Vector128<ushort> lowByte = Vector128.Create((ushort)0x00FF);
            for (; i <= last; i += 2 * Vector128<ushort>.Count)
            {
                Vector128<ushort> first = Vector128.LoadUnsafe(ref source, (nuint)i);
                Vector128<ushort> second = Vector128.LoadUnsafe(ref source, (nuint)(i + Vector128<ushort>.Count));
                Vector128<byte> narrowed = uyvy
                    ? Vector128.Narrow(Vector128.ShiftRightLogical(first, 8), Vector128.ShiftRightLogical(second, 8))
                    : Vector128.Narrow(first & lowByte, second & lowByte);
                narrowed.StoreUnsafe(ref destination, (nuint)i);
            }
        }

        for (; i < pixels.Length; i++)
        {
            lumaRow[i] = uyvy ? (byte)(pixels[i] >> 8) : (byte)pixels[i];
        }
    }
}
