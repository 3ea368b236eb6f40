using EdgeCapture.Video.Frames;
using EdgeCapture.Video.Sampling;

namespace EdgeCapture.Video.Tests;

/// <summary>The per-frame path allocates nothing once warm: frames come from the pool, thumbnails are reused.</summary>
public sealed class SteadyStateAllocationTests
{
    [Fact]
    public void Offering_frames_that_are_not_kept_allocates_nothing()
    {
        const int Width = 1920;
        const int Height = 1080;
        using var pool = new RawFramePool(10, Width * Height * 2);
        using var sampler = new FrameSampler(new SamplingOptions());
        var kept = new List<SamplerDecision>(16);
        long now = 0;
        void Offer()
        {
            Assert.True(pool.TryRent(out RawFrame? frame));
            frame.GetWritableSpan(Width * Height * 2).Fill(0x80);
            frame.Describe(PixelLayout.Uyvy, Width, Height, Width * 2, Width * Height * 2, now, now);
            sampler.OnFrame(frame, kept);
            now += 16_666_667;
        }

        // Warm up: the first frame is kept, the ring fills, buffers reach their size.
        for (int i = 0; i < 20; i++)
        {
            Offer();
        }

        foreach (SamplerDecision decision in kept)
        {
            decision.Frame.Release();
        }

        kept.Clear();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            Offer();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Empty(kept);
        Assert.Equal(0, allocated);
    }
}
