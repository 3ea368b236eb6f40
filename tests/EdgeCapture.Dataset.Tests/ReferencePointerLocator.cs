using EdgeCapture.Dataset.Timeline;
using EdgeCapture.Video.Encoding;

namespace EdgeCapture.Dataset.Tests;

/// <summary>
/// The pointer locator as it was before it was made fast (kept as the oracle the fast one must agree with, candidate by
/// candidate): finds the mouse pointer in a frame near an estimate, by template matching the standard arrow pointer (black outline,
/// white inside, hotspot at the tip) at 1x, 1.5x and 2x, scaled to the frame. A cheap test of a few outline and fill
/// pixels rejects almost every position before the full mean-absolute-difference score is computed over the shape's
/// pixels; the best score under <see cref="AcceptScore"/> wins, the nearest to the estimate on a tie.
/// Only the arrow is covered: an I-beam, hand or custom cursor is not found, and the estimate then stays uncorrected.
/// </summary>
internal sealed class ReferencePointerLocator : IPointerLocator, IDisposable
{
    /// <summary>
    /// Largest accepted mean absolute difference (0-255) between template and image over the shape's pixels. The real
    /// pointer in a JPEG frame at quality 75 scores 3 to 5; at 40, a window's white corner under dark text (31) was taken
    /// for it when the pointer itself was off screen, and that wrong correction carried into the presses after it.
    /// </summary>
    public const double AcceptScore = 20;

    /// <summary>
    /// Smallest accepted contrast between the shape's fill and its outline (mean gray levels): a window's white area with a
    /// dark left border matches the tip and the left edge but not the diagonal outline, and fails here.
    /// </summary>
    public const double MinimumContrast = 150;

    private static readonly double[] Sizes = [1.0, 1.5, 2.0];
    private readonly JpegGrayDecoder _decoder = new();
    private readonly Dictionary<double, ReferencePointerTemplate[]> _templatesByScale = [];

    /// <summary>Looks for the pointer hotspot within <paramref name="radius"/> frame pixels of (<paramref name="estimateX"/>, <paramref name="estimateY"/>).</summary>
    /// <param name="jpeg">The frame.</param>
    /// <param name="frameScale">Frame pixels per screen pixel (frame width / screen width).</param>
    /// <param name="estimateX">Estimated hotspot X in frame pixels.</param>
    /// <param name="estimateY">Estimated hotspot Y in frame pixels.</param>
    /// <param name="radius">Search radius in frame pixels.</param>
    /// <param name="searchedRadius">Positions within this many frame pixels of the estimate are skipped; -1 for none.</param>
    /// <param name="foundX">The hotspot X found, in frame pixels.</param>
    /// <param name="foundY">The hotspot Y found, in frame pixels.</param>
    /// <returns>True when a pointer was found.</returns>
    public bool TryLocate(ReadOnlySpan<byte> jpeg, double frameScale, int estimateX, int estimateY, int radius, int searchedRadius, out int foundX, out int foundY)
    {
        foundX = 0;
        foundY = 0;
        if (!_decoder.TryDecode(jpeg, out byte[] pixels, out int width, out int height))
        {
            return false;
        }

        var image = new ReferenceGrayImage(pixels, width, height);

        double bestScore = AcceptScore;
        long bestDistance = long.MaxValue;
        bool found = false;
        foreach (ReferencePointerTemplate template in TemplatesFor(frameScale))
        {
            int left = Math.Max(0, estimateX - radius);
            int top = Math.Max(0, estimateY - radius);
            int right = Math.Min(image.Width - template.Width, estimateX + radius);
            int bottom = Math.Min(image.Height - template.Height, estimateY + radius);
            for (int y = top; y <= bottom; y++)
            {
                for (int x = left; x <= right; x++)
                {
                    if (Math.Abs(x - estimateX) <= searchedRadius && Math.Abs(y - estimateY) <= searchedRadius)
                    {
                        continue;
                    }

                    if (!template.PassesQuickTest(image, x, y))
                    {
                        continue;
                    }

                    (double score, double contrast) = template.Score(image, x, y);
                    if (contrast < MinimumContrast)
                    {
                        continue;
                    }

                    long distance = ((long)(x - estimateX) * (x - estimateX)) + ((long)(y - estimateY) * (y - estimateY));
                    if (score < bestScore - 0.5 || (score <= bestScore + 0.5 && found && distance < bestDistance))
                    {
                        bestScore = Math.Min(score, bestScore);
                        bestDistance = distance;
                        foundX = x;
                        foundY = y;
                        found = true;
                    }
                }
            }
        }

        return found;
    }

    public bool TryLocate(FrameReference frame, double frameScale, int estimateX, int estimateY, int radius, int searchedRadius, out int foundX, out int foundY) =>
        TryLocate(frame.Jpeg.Span, frameScale, estimateX, estimateY, radius, searchedRadius, out foundX, out foundY);

    public void Dispose() => _decoder.Dispose();

    private ReferencePointerTemplate[] TemplatesFor(double frameScale)
    {
        double key = Math.Round(frameScale, 3);
        if (!_templatesByScale.TryGetValue(key, out ReferencePointerTemplate[]? templates))
        {
            templates = [.. Sizes.Select(size => ReferencePointerTemplate.Arrow(size * key)).Where(template => template.Width >= 4 && template.Height >= 6)];
            _templatesByScale[key] = templates;
        }

        return templates;
    }
}

/// <summary>A pointer shape as a mask: pixels expected dark (outline) and bright (fill); everything else is ignored.</summary>
internal sealed class ReferencePointerTemplate
{
    private const int DarkBelow = PointerTemplate.DarkBelow;
    private const int BrightAbove = PointerTemplate.BrightAbove;
    private readonly (int X, int Y, byte Value)[] _pixels;
    private readonly (int X, int Y, bool Dark)[] _quick;
    private readonly int _outlineCount;
    private readonly int _fillCount;

    private ReferencePointerTemplate(int width, int height, (int X, int Y, byte Value)[] pixels, (int X, int Y, bool Dark)[] quick)
    {
        Width = width;
        Height = height;
        _pixels = pixels;
        _quick = quick;
        _outlineCount = Math.Max(1, pixels.Count(pixel => pixel.Value == 0));
        _fillCount = Math.Max(1, pixels.Length - _outlineCount);
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>The arrow at <paramref name="scale"/>: the same shape the fast locator searches (<see cref="ArrowMask"/>).</summary>
    public static ReferencePointerTemplate Arrow(double scale)
    {
        ArrowMask mask = ArrowMask.At(scale);
        (int X, int Y, bool Dark)[] quick = [.. mask.Quick.Select((point, index) => (point.X, point.Y, index < 2))];
        return new ReferencePointerTemplate(mask.Width, mask.Height, [.. mask.Pixels], quick);
    }

    public bool PassesQuickTest(in ReferenceGrayImage image, int x, int y)
    {
        foreach ((int dx, int dy, bool dark) in _quick)
        {
            byte value = image[x + dx, y + dy];
            if (dark ? value >= DarkBelow : value <= BrightAbove)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Mean absolute difference over the shape, and the contrast between its fill and its outline.</summary>
    public (double Score, double Contrast) Score(in ReferenceGrayImage image, int x, int y)
    {
        long total = 0;
        long outline = 0;
        long fill = 0;
        foreach ((int dx, int dy, byte value) in _pixels)
        {
            byte pixel = image[x + dx, y + dy];
            total += Math.Abs(pixel - value);
            if (value == 0)
            {
                outline += pixel;
            }
            else
            {
                fill += pixel;
            }
        }

        return ((double)total / _pixels.Length, ((double)fill / _fillCount) - ((double)outline / _outlineCount));
    }
}

/// <summary>An 8-bit gray image, row-major, stride = width.</summary>
/// <param name="Pixels">The pixels (at least width x height).</param>
/// <param name="Width">Width.</param>
/// <param name="Height">Height.</param>
internal readonly record struct ReferenceGrayImage(byte[] Pixels, int Width, int Height)
{
    public byte this[int x, int y] => Pixels[(y * Width) + x];
}
