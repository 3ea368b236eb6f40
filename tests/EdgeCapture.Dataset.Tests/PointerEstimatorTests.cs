using EdgeCapture.Dataset.Timeline;
using EdgeCapture.Hid;

namespace EdgeCapture.Dataset.Tests;

/// <summary>
/// The estimate between corrections: it follows the acceleration curve that best predicted the host's pointer at the
/// earlier corrections, so after a few clicks an accelerated flick lands where the host put the pointer, and a host
/// without acceleration keeps the one-to-one estimate.
/// </summary>
public sealed class PointerEstimatorTests
{
    private const int Width = 1920;
    private const int Height = 1080;

    [Fact]
    public void After_a_few_corrections_the_estimate_follows_the_hosts_acceleration()
    {
        var host = new AbsolutePointerTracker(Width, Height, new PointerAccelerationProfile());
        var estimator = new PointerEstimator(Width, Height);
        var random = new Random(3);
        long time = 1_000_000_000;
        var learnedMisses = new List<double>();
        var flatMisses = new List<double>();
        for (int stroke = 0; stroke < 40; stroke++)
        {
            (double flatX, double flatY) = (estimator.X, estimator.Y);
            foreach ((int dx, int dy) in Stroke(random, host.X, host.Y))
            {
                time += 8_000_000;
                host.Move(dx, dy, time);
                estimator.Move(dx, dy, time);
                (flatX, flatY) = (Math.Clamp(flatX + dx, 0, Width - 1), Math.Clamp(flatY + dy, 0, Height - 1));
            }

            if (stroke >= 5)
            {
                learnedMisses.Add(Distance(estimator.X, estimator.Y, host.X, host.Y));
                flatMisses.Add(Distance(flatX, flatY, host.X, host.Y));
            }

            // The click at the end of the stroke finds the host's pointer in the frame before it.
            estimator.Correct(host.X - estimator.X, host.Y - estimator.Y);
            time += 300_000_000;
            estimator.Move(0, 0, time);
        }

        double learned = Median(learnedMisses);
        double flat = Median(flatMisses);
        Assert.True(flat > 100, $"the strokes should be fast enough for the host to accelerate them (one-to-one median miss {flat:0} px)");
        Assert.True(learned <= 3, $"median miss after learning {learned:0.0} px (one-to-one {flat:0} px)");
        Assert.True(learnedMisses.Count(miss => miss <= 3) >= learnedMisses.Count * 0.9, $"misses: {string.Join(", ", learnedMisses.Select(miss => miss.ToString("0", System.Globalization.CultureInfo.InvariantCulture)))}");
    }

    [Fact]
    public void A_host_without_acceleration_keeps_the_one_to_one_estimate()
    {
        var host = new AbsolutePointerTracker(Width, Height, PointerAccelerationProfile.Flat);
        var estimator = new PointerEstimator(Width, Height);
        var random = new Random(5);
        long time = 1_000_000_000;
        for (int stroke = 0; stroke < 20; stroke++)
        {
            foreach ((int dx, int dy) in Stroke(random, host.X, host.Y))
            {
                time += 8_000_000;
                host.Move(dx, dy, time);
                estimator.Move(dx, dy, time);
            }

            Assert.True(Distance(estimator.X, estimator.Y, host.X, host.Y) <= 1, $"stroke {stroke}: estimate ({estimator.X:0}, {estimator.Y:0}), host ({host.X}, {host.Y}), curve {estimator.Curve}");
            estimator.Correct(host.X - estimator.X, host.Y - estimator.Y);
        }

        Assert.Equal(PointerEstimator.Candidates[0], estimator.Curve);
    }

    [Fact]
    public void Before_a_second_fix_the_motion_is_integrated_one_to_one()
    {
        var estimator = new PointerEstimator(Width, Height);
        estimator.Move(0, 0, 0);
        estimator.Move(60, -40, 8_000_000);
        Assert.Equal((960 + 60, 540 - 40), (estimator.PixelX, estimator.PixelY));

        // The first fix only anchors: nothing was known of where the pointer started, so no curve is scored.
        estimator.Correct(100, 0);
        Assert.Equal(PointerEstimator.Candidates[0], estimator.Curve);
        estimator.Move(60, 0, 16_000_000);
        Assert.Equal((960 + 60 + 100 + 60, 540 - 40), (estimator.PixelX, estimator.PixelY));
    }

    [Fact]
    public void Every_candidate_curve_is_clamped_to_the_screen()
    {
        var estimator = new PointerEstimator(Width, Height);
        for (int frame = 0; frame < 200; frame++)
        {
            estimator.Move(120, 90, frame * 1_000_000L);
        }

        Assert.Equal((Width - 1, Height - 1), (estimator.PixelX, estimator.PixelY));
    }

    /// <summary>A stroke toward a random target away from the edges: a quick flick, slowing down near the target.</summary>
    private static List<(int Dx, int Dy)> Stroke(Random random, int fromX, int fromY)
    {
        int targetX = random.Next(200, Width - 200);
        int targetY = random.Next(150, Height - 150);
        double distance = Distance(fromX, fromY, targetX, targetY);
        int frames = Math.Max(4, (int)(distance / 40));
        var stroke = new List<(int, int)>();
        for (int frame = 0; frame < frames; frame++)
        {
            // Fast in the middle, slow at both ends, as a hand moves.
            double speed = Math.Sin(Math.PI * (frame + 0.5) / frames);
            stroke.Add(((int)Math.Round((targetX - fromX) / (double)frames * speed * 0.9), (int)Math.Round((targetY - fromY) / (double)frames * speed * 0.9)));
        }

        return stroke;
    }

    private static double Distance(double x1, double y1, double x2, double y2) => Math.Sqrt(((x1 - x2) * (x1 - x2)) + ((y1 - y2) * (y1 - y2)));

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted[sorted.Length / 2];
    }
}
