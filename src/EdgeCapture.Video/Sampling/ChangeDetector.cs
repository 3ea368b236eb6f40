using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeCapture.Video.Sampling;

/// <summary>Counts the blocks that differ between two thumbnails.</summary>
public static class ChangeDetector
{
    /// <summary>
    /// Number of blocks whose mean luma differs by more than <paramref name="threshold"/> levels.
    /// Thumbnails of different sizes count as entirely changed.
    /// </summary>
    public static int CountChangedBlocks(FrameThumbnail current, FrameThumbnail reference, byte threshold)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(reference);
        if (!current.IsComparableTo(reference))
        {
            return current.Width * current.Height;
        }

        return CountDifferences(current.Pixels, reference.Pixels, threshold);
    }

    /// <summary>Counts positions where |a[i] - b[i]| &gt; threshold. Spans must have the same length.</summary>
    public static int CountDifferences(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, byte threshold)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("Spans must have the same length.", nameof(b));
        }

        int count = 0;
        int i = 0;
        ref byte aStart = ref MemoryMarshal.GetReference(a);
        ref byte bStart = ref MemoryMarshal.GetReference(b);
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<byte> limit = Vector256.Create(threshold);
            for (; i <= a.Length - Vector256<byte>.Count; i += Vector256<byte>.Count)
            {
                Vector256<byte> x = Vector256.LoadUnsafe(ref aStart, (nuint)i);
                Vector256<byte> y = Vector256.LoadUnsafe(ref bStart, (nuint)i);
                Vector256<byte> difference = Vector256.Max(x, y) - Vector256.Min(x, y);
                count += BitOperations.PopCount(Vector256.GreaterThan(difference, limit).ExtractMostSignificantBits());
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Vector128<byte> limit = Vector128.Create(threshold);
            for (; i <= a.Length - Vector128<byte>.Count; i += Vector128<byte>.Count)
            {
                Vector128<byte> x = Vector128.LoadUnsafe(ref aStart, (nuint)i);
                Vector128<byte> y = Vector128.LoadUnsafe(ref bStart, (nuint)i);
                Vector128<byte> difference = Vector128.Max(x, y) - Vector128.Min(x, y);
                count += BitOperations.PopCount(Vector128.GreaterThan(difference, limit).ExtractMostSignificantBits());
            }
        }

        for (; i < a.Length; i++)
        {
            if (Math.Abs(a[i] - b[i]) > threshold)
            {
                count++;
            }
        }

        return count;
    }
}
