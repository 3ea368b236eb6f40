using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeCapture.Video.Sampling;

/// <summary>
/// Reduces packed 4:2:2 frames (UYVY or YUYV) to 8x8 block luma means in one pass over the frame.
/// Rows are summed column-wise with <see cref="Vector{T}"/> (AVX2 on x86-64, NEON on the Pi), then each
/// run of 8 column sums is folded with a 128-bit horizontal add.
/// </summary>
internal sealed class LumaReducer
{
    private ushort[] _columnSums = [];

    /// <summary>Reduces one packed frame into <paramref name="target"/>.</summary>
    /// <param name="frame">The packed frame bytes.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="stride">Bytes per row.</param>
    /// <param name="lumaInHighByte">True for UYVY (luma is the odd byte), false for YUYV.</param>
    /// <param name="target">Receives the thumbnail.</param>
    public void Reduce(ReadOnlySpan<byte> frame, int width, int height, int stride, bool lumaInHighByte, FrameThumbnail target)
    {
        int blocksAcross = width / FrameThumbnail.BlockSize;
        int blocksDown = height / FrameThumbnail.BlockSize;
        if (blocksAcross == 0 || blocksDown == 0)
        {
            throw new ArgumentException($"Frame {width}x{height} is smaller than one {FrameThumbnail.BlockSize}x{FrameThumbnail.BlockSize} block.", nameof(width));
        }

        if ((long)stride * height > frame.Length || stride < width * 2)
        {
            throw new ArgumentException($"Frame buffer of {frame.Length} bytes is too small for {width}x{height} with stride {stride}.", nameof(frame));
        }

        int usedWidth = blocksAcross * FrameThumbnail.BlockSize;
        if (_columnSums.Length < usedWidth + Vector<ushort>.Count)
        {
            _columnSums = new ushort[usedWidth + Vector<ushort>.Count];
        }

        Span<byte> output = target.Prepare(blocksAcross, blocksDown, width, height);
        Span<ushort> sums = _columnSums.AsSpan(0, usedWidth);
        for (int blockRow = 0; blockRow < blocksDown; blockRow++)
        {
            sums.Clear();
            for (int r = 0; r < FrameThumbnail.BlockSize; r++)
            {
                int y = (blockRow * FrameThumbnail.BlockSize) + r;
                ReadOnlySpan<ushort> row = MemoryMarshal.Cast<byte, ushort>(frame.Slice(y * stride, usedWidth * 2));
                AccumulateRow(row, sums, lumaInHighByte);
            }

            FoldBlocks(sums, output.Slice(blockRow * blocksAcross, blocksAcross));
        }
    }

    private static void AccumulateRow(ReadOnlySpan<ushort> row, Span<ushort> sums, bool lumaInHighByte)
    {
        // Each ushort is one pixel: luma in the high byte for UYVY (U|Y<<8), in the low byte for YUYV.
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref ushort rowStart = ref MemoryMarshal.GetReference(row);
            ref ushort sumStart = ref MemoryMarshal.GetReference(sums);
            int last = row.Length - Vector<ushort>.Count;
            var lowByteMask = new Vector<ushort>(0x00FF);
            if (lumaInHighByte)
            {
                for (; i <= last; i += Vector<ushort>.Count)
                {
                    Vector<ushort> pixels = Vector.LoadUnsafe(ref rowStart, (nuint)i);
                    Vector<ushort> sum = Vector.LoadUnsafe(ref sumStart, (nuint)i);
                    (sum + Vector.ShiftRightLogical(pixels, 8)).StoreUnsafe(ref sumStart, (nuint)i);
                }
            }
            else
            {
                for (; i <= last; i += Vector<ushort>.Count)
                {
                    Vector<ushort> pixels = Vector.LoadUnsafe(ref rowStart, (nuint)i);
                    Vector<ushort> sum = Vector.LoadUnsafe(ref sumStart, (nuint)i);
                    (sum + (pixels & lowByteMask)).StoreUnsafe(ref sumStart, (nuint)i);
                }
            }
        }

        for (; i < row.Length; i++)
        {
            sums[i] += lumaInHighByte ? (ushort)(row[i] >> 8) : (ushort)(row[i] & 0xFF);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FoldBlocks(ReadOnlySpan<ushort> sums, Span<byte> output)
    {
        // 8 columns x 8 rows of bytes sum to at most 16,320: fits a ushort; >> 6 is the mean.
        ref ushort start = ref MemoryMarshal.GetReference(sums);
        for (int block = 0; block < output.Length; block++)
        {
            Vector128<ushort> eight = Vector128.LoadUnsafe(ref start, (nuint)(block * FrameThumbnail.BlockSize));
            output[block] = (byte)(Vector128.Sum(eight) >> 6);
        }
    }
}
