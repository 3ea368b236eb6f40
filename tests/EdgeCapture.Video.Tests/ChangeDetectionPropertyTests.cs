using EdgeCapture.Video.Sampling;
using FsCheck;
using FsCheck.Fluent;

namespace EdgeCapture.Video.Tests;

/// <summary>The SIMD paths agree with plain scalar definitions on random input.</summary>
public sealed class ChangeDetectionPropertyTests
{
    [Fact]
    public void Counting_differences_matches_the_scalar_definition()
    {
        Prop.ForAll(
            Arb.From(Gen.Choose(0, 300).SelectMany(length => Gen.ArrayOf(Gen.Choose(0, 255).Select(v => (byte)v), length).SelectMany(
                a => Gen.ArrayOf(Gen.Choose(0, 255).Select(v => (byte)v), length).SelectMany(
                    b => Gen.Choose(0, 255).Select(t => (a, b, (byte)t)))))),
            ((byte[] A, byte[] B, byte Threshold) input) =>
            {
                int expected = input.A.Zip(input.B).Count(p => Math.Abs(p.First - p.Second) > input.Threshold);
                return ChangeDetector.CountDifferences(input.A, input.B, input.Threshold) == expected;
            }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Luma_reduction_matches_the_scalar_block_mean()
    {
        Prop.ForAll(
            Arb.From(Gen.Choose(1, 12).SelectMany(blocksAcross => Gen.Choose(1, 4).SelectMany(blocksDown => Gen.Choose(0, 7).SelectMany(extraColumns =>
                Gen.Choose(0, 1).SelectMany(uyvy => Gen.Choose(0, int.MaxValue).Select(seed => (blocksAcross, blocksDown, extraColumns, uyvy == 1, seed))))))),
            ((int BlocksAcross, int BlocksDown, int ExtraColumns, bool Uyvy, int Seed) input) =>
            {
                int width = (input.BlocksAcross * 8) + (input.ExtraColumns & ~1);
                int height = (input.BlocksDown * 8) + 3;
                int stride = (width * 2) + 6;
                byte[] frame = new byte[stride * height];
                new Random(input.Seed).NextBytes(frame);
                var thumbnail = new FrameThumbnail();
                new LumaReducer().Reduce(frame, width, height, stride, input.Uyvy, thumbnail);
                if (thumbnail.Width != input.BlocksAcross || thumbnail.Height != input.BlocksDown)
                {
                    return false;
                }

                for (int by = 0; by < input.BlocksDown; by++)
                {
                    for (int bx = 0; bx < input.BlocksAcross; bx++)
                    {
                        int sum = 0;
                        for (int y = by * 8; y < (by * 8) + 8; y++)
                        {
                            for (int x = bx * 8; x < (bx * 8) + 8; x++)
                            {
                                sum += frame[(y * stride) + (x * 2) + (input.Uyvy ? 1 : 0)];
                            }
                        }

                        if (thumbnail.Pixels[(by * input.BlocksAcross) + bx] != sum >> 6)
                        {
                            return false;
                        }
                    }
                }

                return true;
            }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Thumbnails_of_different_sizes_count_as_entirely_changed()
    {
        var small = new FrameThumbnail();
        var large = new FrameThumbnail();
        new LumaReducer().Reduce(new byte[64 * 64 * 2], 64, 64, 128, true, small);
        new LumaReducer().Reduce(new byte[128 * 64 * 2], 128, 64, 256, true, large);
        Assert.Equal(large.Width * large.Height, ChangeDetector.CountChangedBlocks(large, small, 0));
    }

    [Fact]
    public void A_frame_smaller_than_a_block_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new LumaReducer().Reduce(new byte[100], 4, 4, 8, true, new FrameThumbnail()));
    }
}
