using EdgeCapture.Dataset.Timeline;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Video.Encoding;
using EdgeCapture.Video.Frames;
using EdgeCapture.Video.Simulation;

namespace EdgeCapture.Dataset.Tests;

/// <summary>
/// The fast pointer locator (SIMD quick test, scores from prefix sums, one decode per frame) must give exactly the
/// answer of the plain pixel-by-pixel search it replaced (<see cref="ReferencePointerLocator"/>): same found or not,
/// same position, for estimates near and far, small and large radii, frame scales, desktops with and without the pointer.
/// </summary>
public sealed class PointerLocatorEquivalenceTests
{
    private const int Width = DesktopActivityScript.ScreenWidth;
    private const int Height = DesktopActivityScript.ScreenHeight;

    [Fact]
    public void The_fast_search_finds_what_the_pixel_by_pixel_search_finds()
    {
        using var encoder = new JpegEncoder(new JpegEncodingOptions { Quality = 75 });
        byte[] canvas = new byte[Width * 2 * Height];
        using var fast = new PointerLocator();
        using var reference = new ReferencePointerLocator();
        var random = new Random(20261201);
        int compared = 0;
        int found = 0;
        (int X, int Y, int Seed)[] pointers = [(700, 400, 5), (3, 2, 9), (1915, 1075, 13), (960, 540, 21), (-100, -100, 5)];
        foreach ((int pointerX, int pointerY, int seed) in pointers)
        {
            var frame = new FrameReference(pointerX * 1000L, Width, Height, Render(pointerX, pointerY, seed, encoder, canvas));
            (int X, int Y, int Radius, int Searched, double Scale)[] searches =
            [
                (pointerX, pointerY, 48, -1, 1.0),
                (pointerX + 30, pointerY - 20, 48, -1, 1.0),
                (pointerX - 300, pointerY + 200, 600, -1, 1.0),
                (pointerX - 300, pointerY + 200, 600, 300, 1.0),
                (pointerX, pointerY, 900, -1, 1.0),
                (pointerX + 5, pointerY + 5, 900, 4, 1.0),
                (pointerX + 5, pointerY + 5, 900, 5, 1.0),
                (random.Next(Width), random.Next(Height), 120, -1, 1.0),
                (random.Next(Width), random.Next(Height), 400, 200, 1.0),
                (pointerX, pointerY, 200, -1, 0.5),
                (pointerX, pointerY, 200, 100, 1.5),
                (Width + 50, Height + 50, 40, -1, 1.0),
            ];
            foreach ((int x, int y, int radius, int searched, double scale) in searches)
            {
                bool expected = reference.TryLocate(frame.Jpeg.Span, scale, x, y, radius, searched, out int expectedX, out int expectedY);
                bool actual = fast.TryLocate(frame, scale, x, y, radius, searched, out int actualX, out int actualY);
                Assert.True(expected == actual, $"pointer ({pointerX},{pointerY}) seed {seed}, search ({x},{y}) r {radius} skipping {searched} scale {scale}: reference found={expected}, fast found={actual}");
                if (expected)
                {
                    Assert.Equal((expectedX, expectedY), (actualX, actualY));
                    found++;
                }

                compared++;
            }
        }

        Assert.Equal(pointers.Length * 12, compared);
        Assert.True(found >= 10, $"only {found} searches found a pointer: the comparison would prove little");
        Assert.Equal(pointers.Length, fast.FramesDecoded);
    }

    [Fact]
    public void On_the_accuracy_scripts_the_export_is_the_same_with_either_search()
    {
        foreach (int seed in new[] { 1, 2, 4 })
        {
            using var fast = new PointerLocator();
            using var reference = new ReferencePointerLocator();
            List<EventRow> expected = PointerAccuracyMeasurement.Rows(seed, TimeSpan.FromSeconds(40), reference);
            List<EventRow> actual = PointerAccuracyMeasurement.Rows(seed, TimeSpan.FromSeconds(40), fast);
            Assert.Equal(expected.Count, actual.Count);
            Assert.Contains(expected, row => row.CorrectionX is not null);
            for (int index = 0; index < expected.Count; index++)
            {
                EventRow want = expected[index];
                EventRow got = actual[index];
                Assert.True(
                    (want.Action, want.X, want.Y, want.CorrectionX, want.CorrectionY) == (got.Action, got.X, got.Y, got.CorrectionX, got.CorrectionY),
                    $"seed {seed}, row {index} at {want.TimeNanoseconds}: reference {want.Action} ({want.X},{want.Y}) correction ({want.CorrectionX},{want.CorrectionY}), fast {got.Action} ({got.X},{got.Y}) correction ({got.CorrectionX},{got.CorrectionY})");
            }
        }
    }

    private static byte[] Render(int pointerX, int pointerY, int seed, JpegEncoder encoder, byte[] canvas)
    {
        var still = new DesktopActivityScript([], TimeSpan.FromSeconds(1), pointerX, pointerY);
        new SimulatedDesktop(still, seed).Render(TimeSpan.Zero, canvas, Width, Height, Width * 2);
        return encoder.EncodePacked(canvas, PixelLayout.Uyvy, Width, Height, Width * 2, out _, out _).ToArray();
    }
}
