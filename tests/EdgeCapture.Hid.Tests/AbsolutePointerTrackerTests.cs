using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace EdgeCapture.Hid.Tests;

public sealed class AbsolutePointerTrackerTests
{
    [Theory]
    [InlineData(1920)]
    [InlineData(1080)]
    [InlineData(3840)]
    [InlineData(2160)]
    [InlineData(1366)]
    [InlineData(1)]
    public void Every_pixel_maps_to_a_logical_value_both_host_conventions_put_back_on_that_pixel(int size)
    {
        for (int pixel = 0; pixel < size; pixel++)
        {
            int logical = AbsolutePointerReport.ToLogical(pixel, size);
            Assert.InRange(logical, 0, AbsolutePointerReport.MaximumCoordinate);

            // Windows-style: the logical range split into equal shares. Linux hid-input/evdev style: scaled ends to ends.
            Assert.Equal(pixel, (int)((long)logical * size / (AbsolutePointerReport.MaximumCoordinate + 1)));
            Assert.Equal(pixel, (int)Math.Round((double)logical * (size - 1) / AbsolutePointerReport.MaximumCoordinate, MidpointRounding.AwayFromZero));
        }
    }

    [Fact]
    public void Slow_motion_is_one_pixel_per_count_and_fractions_are_carried()
    {
        var tracker = new AbsolutePointerTracker(1920, 1080, new PointerAccelerationProfile { PixelsPerCount = 0.5 });
        Assert.Equal((960, 540), (tracker.X, tracker.Y));
        long time = 0;
        for (int frame = 0; frame < 10; frame++)
        {
            tracker.Move(1, -1, time += 8_000_000);   // 0.125 counts/ms: far below the threshold
        }

        Assert.Equal((965, 535), (tracker.X, tracker.Y));
    }

    [Fact]
    public void Fast_motion_is_accelerated_up_to_the_maximum_factor()
    {
        var profile = new PointerAccelerationProfile();
        Assert.Equal(1.0, profile.FactorFor(distanceCounts: 1, elapsedMilliseconds: 1));
        Assert.Equal(1.0 + (0.25 * (4 - 1.5)), profile.FactorFor(distanceCounts: 4, elapsedMilliseconds: 1), precision: 9);
        Assert.Equal(3.0, profile.FactorFor(distanceCounts: 100, elapsedMilliseconds: 1));

        // Equal timestamps cannot divide by zero; a frame after a pause counts as slow.
        Assert.Equal(profile.FactorFor(10, 1), profile.FactorFor(10, 0));
        Assert.Equal(1.0, profile.FactorFor(20, double.PositiveInfinity));
        Assert.Equal(1.0, PointerAccelerationProfile.Flat.FactorFor(1000, 1));

        var tracker = new AbsolutePointerTracker(1920, 1080, profile);
        tracker.Move(0, 0, 0);
        tracker.Move(40, 0, 1_000_000);   // 40 counts/ms: factor 3
        Assert.Equal(960 + 120, tracker.X);
    }

    [Fact]
    public void The_pointer_stops_at_the_screen_edges_without_storing_the_excess()
    {
        var tracker = new AbsolutePointerTracker(800, 600, PointerAccelerationProfile.Flat);
        tracker.Move(-5000, -5000, 0);
        Assert.Equal((0, 0), (tracker.X, tracker.Y));
        Assert.Equal((AbsolutePointerReport.ToLogical(0, 800), AbsolutePointerReport.ToLogical(0, 600)), (tracker.LogicalX, tracker.LogicalY));
        tracker.Move(3, 2, 100_000_000);
        Assert.Equal((3, 2), (tracker.X, tracker.Y));
        tracker.Move(90_000, 90_000, 200_000_000);
        Assert.Equal((799, 599), (tracker.X, tracker.Y));
        Assert.Equal((AbsolutePointerReport.ToLogical(799, 800), AbsolutePointerReport.ToLogical(599, 600)), (tracker.LogicalX, tracker.LogicalY));
    }

    [Fact]
    public void A_resize_keeps_the_relative_place()
    {
        var tracker = new AbsolutePointerTracker(1920, 1080, PointerAccelerationProfile.Flat);
        tracker.Resize(3840, 2160);
        Assert.Equal((1920, 1080), (tracker.X, tracker.Y));
        tracker.Resize(10, 10);
        Assert.Equal((5, 5), (tracker.X, tracker.Y));
    }

    [Property(MaxTest = 300)]
    public Property Flat_tracking_inside_the_screen_is_the_exact_sum_of_the_motion()
    {
        Gen<(int X, int Y)[]> moves = Gen.ArrayOf(Gen.Choose(-20, 20).Two()).Select(pairs => pairs.Select(pair => (pair.Item1, pair.Item2)).ToArray());
        return Prop.ForAll(moves.ToArbitrary(), steps =>
        {
            var tracker = new AbsolutePointerTracker(100_000, 100_000, PointerAccelerationProfile.Flat);
            long time = 0;
            foreach ((int x, int y) in steps)
            {
                tracker.Move(x, y, time += 1_000_000);
            }

            return tracker.X == 50_000 + steps.Sum(step => step.X) && tracker.Y == 50_000 + steps.Sum(step => step.Y);
        });
    }

    [Fact]
    public void Moving_allocates_nothing()
    {
        var tracker = new AbsolutePointerTracker(1920, 1080, new PointerAccelerationProfile());
        tracker.Move(1, 1, 0);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int frame = 1; frame < 10_000; frame++)
        {
            tracker.Move((frame % 7) - 3, (frame % 5) - 2, frame * 1_000_000L);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
