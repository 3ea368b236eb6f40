using EdgeCapture.Video.Frames;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Video.Tests;

/// <summary>The pool holds the buffers really in flight: a burst's extra buffers go back to the kernel once idle.</summary>
public sealed class RawFramePoolTests
{
    private const int Capacity = 1920 * 1080 * 2;

    [Fact]
    public void Buffers_a_burst_needed_are_given_back_once_idle_and_the_hot_one_is_kept()
    {
        var time = new FakeTimeProvider();
        using var pool = new RawFramePool(16, Capacity, TimeSpan.FromSeconds(2), time);
        var burst = new List<RawFrame>();
        for (int i = 0; i < 6; i++)
        {
            Assert.True(pool.TryRent(out RawFrame? frame));
            burst.Add(frame);
        }

        burst.ForEach(frame => frame.Release());
        Assert.Equal(6, pool.Resident);

        // Steady state: one frame at a time, 10 fps, for 3 s. The same (most recently returned) buffer is reused.
        for (int i = 0; i < 30; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            Assert.True(pool.TryRent(out RawFrame? frame));
            frame.Release();
        }

        Assert.Equal(1, pool.Resident);
        Assert.Equal(5, pool.Trimmed);
        Assert.Equal(6, pool.MostResident);
        Assert.Equal(16, pool.Available);
    }

    [Fact]
    public void A_trimmed_buffer_is_unmapped()
    {
        var time = new FakeTimeProvider();
        using var pool = new RawFramePool(4, Capacity, TimeSpan.FromSeconds(2), time);
        Assert.True(pool.TryRent(out RawFrame? idle));
        Assert.True(pool.TryRent(out RawFrame? hot));
        nint idleAddress = AddressOf(idle.GetWritableSpan(Capacity));
        idle.GetWritableSpan(Capacity).Fill(1);
        hot.GetWritableSpan(Capacity).Fill(2);
        Assert.True(IsMapped(idleAddress));
        idle.Release();
        time.Advance(TimeSpan.FromSeconds(3));

        // The hot buffer's return is the next pool call: the idle one, free for 3 s, is unmapped then and there.
        hot.Release();
        Assert.False(IsMapped(idleAddress));
        Assert.Equal(1, pool.Resident);
    }

    [Fact]
    public void Frames_released_after_the_pool_is_disposed_give_their_memory_back()
    {
        var pool = new RawFramePool(4, Capacity);
        Assert.True(pool.TryRent(out RawFrame? held));
        Assert.True(pool.TryRent(out RawFrame? free));
        free.Release();
        pool.Dispose();
        Assert.Equal(1, pool.Resident);
        held.Release();
        Assert.Equal(0, pool.Resident);
    }

    [Fact]
    public void A_buffer_grows_for_a_larger_frame_and_keeps_its_new_size()
    {
        using var pool = new RawFramePool(2, 1024);
        Assert.True(pool.TryRent(out RawFrame? frame));
        Span<byte> pixels = frame.GetWritableSpan(4096);
        pixels.Fill(7);
        frame.Describe(PixelLayout.Uyvy, 32, 32, 64, 2048, 0, 0);
        Assert.Equal(4096, frame.Capacity);
        Assert.Equal(2048, frame.Data.Length);
        Assert.All(frame.Data.ToArray(), value => Assert.Equal(7, value));
        frame.Release();
    }

    private static unsafe nint AddressOf(Span<byte> span)
    {
        fixed (byte* pointer = span)
        {
            return (nint)pointer;
        }
    }

    /// <summary>Whether an address lies inside any mapping of this process (/proc/self/maps).</summary>
    private static bool IsMapped(nint address)
    {
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            string[] range = line[..line.IndexOf(' ', StringComparison.Ordinal)].Split('-');
            if (address >= Convert.ToInt64(range[0], 16) && address < Convert.ToInt64(range[1], 16))
            {
                return true;
            }
        }

        return false;
    }
}
