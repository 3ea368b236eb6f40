namespace EdgeCapture.Dataset.Timeline;

/// <summary>A template's runs as offsets into prefix sums of one stride: sum of a run = prefix[origin + end] - prefix[origin + start].</summary>
/// <remarks>
/// Runs are ordered by template row from the bottom up (the tail's outline first, where a false match of text or an edge
/// fails soonest); <c>OutlineRowEnd[k]</c> and <c>FillRowEnd[k]</c> end the runs of the k-th row so ordered, and
/// <c>FillPixelsThroughRow[k]</c> counts the fill pixels of rows 0..k of that order.
/// </remarks>
internal sealed record RunOffsets(int[] OutlineStart, int[] OutlineEnd, int[] FillStart, int[] FillEnd, int[] OutlineRowEnd, int[] FillRowEnd, int[] FillPixelsThroughRow);

/// <summary>
/// A pointer shape as a mask: pixels expected dark (outline, 0) and bright (fill, 255); everything else is ignored.
/// Kept as horizontal runs of outline and of fill pixels, so a score needs two sums, not a pass over every pixel.
/// </summary>
internal sealed class PointerTemplate
{
    public const byte DarkBelow = 96;
    public const byte BrightAbove = 160;
    private readonly (int Row, int Start, int End)[] _outlineRuns;
    private readonly (int Row, int Start, int End)[] _fillRuns;
    private readonly int _pixelCount;
    private readonly int _outlineCount;
    private readonly int _fillCount;
    private readonly int _outlineDivisor;
    private readonly int _fillDivisor;
    private RunOffsets? _offsets;
    private int _offsetsStride;

    private PointerTemplate(int width, int height, List<(int X, int Y, byte Value)> pixels, (int X, int Y)[] quick)
    {
        Width = width;
        Height = height;
        _pixelCount = Math.Max(1, pixels.Count);
        _outlineCount = pixels.Count(pixel => pixel.Value == 0);
        _fillCount = pixels.Count - _outlineCount;
        _outlineDivisor = Math.Max(1, _outlineCount);
        _fillDivisor = Math.Max(1, pixels.Count - _outlineDivisor);
        _outlineRuns = Runs(pixels, outline: true);
        _fillRuns = Runs(pixels, outline: false);
        (QuickDark0, QuickDark1, QuickBright0, QuickBright1) = (quick[0], quick[1], quick[2], quick[3]);
    }

    public int Width { get; }

    /// <summary>Pixels of the shape (outline and fill): a score is the sum of differences over this many.</summary>
    public int PixelCount => _pixelCount;

    public int Height { get; }

    /// <summary>Quick test: these two pixels must be darker than <see cref="DarkBelow"/>...</summary>
    public (int X, int Y) QuickDark0 { get; }

    /// <inheritdoc cref="QuickDark0"/>
    public (int X, int Y) QuickDark1 { get; }

    /// <summary>...and these two brighter than <see cref="BrightAbove"/>.</summary>
    public (int X, int Y) QuickBright0 { get; }

    /// <inheritdoc cref="QuickBright0"/>
    public (int X, int Y) QuickBright1 { get; }

    /// <summary>
    /// The classic arrow at <paramref name="scale"/>: 12x19 at 1x, rows 0-11 widen by one pixel per row, rows 12-18 narrow
    /// to the tail; outline black, inside white (the shape Windows, GNOME and the simulated desktop draw by default).
    /// </summary>
    public static PointerTemplate Arrow(double scale)
    {
        ArrowMask mask = ArrowMask.At(scale);
        return new PointerTemplate(mask.Width, mask.Height, mask.Pixels, mask.Quick);
    }

    /// <summary>The runs as offsets for prefix sums of <paramref name="stride"/> (cached for the last stride).</summary>
    public RunOffsets Offsets(int stride)
    {
        if (_offsets is null || _offsetsStride != stride)
        {
            (int Row, int Start, int End)[] outline = [.. _outlineRuns.OrderByDescending(run => run.Row).ThenBy(run => run.Start)];
            (int Row, int Start, int End)[] fill = [.. _fillRuns.OrderByDescending(run => run.Row).ThenBy(run => run.Start)];
            int[] outlineRowEnd = new int[Height];
            int[] fillRowEnd = new int[Height];
            int[] fillPixels = new int[Height];
            for (int order = 0; order < Height; order++)
            {
                int row = Height - 1 - order;
                outlineRowEnd[order] = outline.Count(run => run.Row >= row);
                fillRowEnd[order] = fill.Count(run => run.Row >= row);
                fillPixels[order] = fill.Where(run => run.Row >= row).Sum(run => run.End - run.Start);
            }

            _offsets = new RunOffsets(
                [.. outline.Select(run => (run.Row * stride) + run.Start)],
                [.. outline.Select(run => (run.Row * stride) + run.End)],
                [.. fill.Select(run => (run.Row * stride) + run.Start)],
                [.. fill.Select(run => (run.Row * stride) + run.End)],
                outlineRowEnd,
                fillRowEnd,
                fillPixels);
            _offsetsStride = stride;
        }

        return _offsets;
    }

    /// <summary>
    /// Mean absolute difference over the shape, and the contrast between its fill and its outline, from the sum of the
    /// outline pixels and the sum of the fill pixels (|p - 0| = p, |p - 255| = 255 - p).
    /// </summary>
    public (double Score, double Contrast) Score(long outlineSum, long fillSum)
    {
        long total = outlineSum + ((255L * _fillCount) - fillSum);
        return ((double)total / _pixelCount, ((double)fillSum / _fillDivisor) - ((double)outlineSum / _outlineDivisor));
    }

    private static (int Row, int Start, int End)[] Runs(List<(int X, int Y, byte Value)> pixels, bool outline)
    {
        var runs = new List<(int Row, int Start, int End)>();
        foreach ((int x, int y, byte value) in pixels.OrderBy(pixel => pixel.Y).ThenBy(pixel => pixel.X))
        {
            if ((value == 0) != outline)
            {
                continue;
            }

            if (runs.Count > 0 && runs[^1].Row == y && runs[^1].End == x)
            {
                runs[^1] = (y, runs[^1].Start, x + 1);
            }
            else
            {
                runs.Add((y, x, x + 1));
            }
        }

        return [.. runs];
    }
}

/// <summary>
/// The arrow pointer as pixels: where it is outline (0) and fill (255) at a scale, and the four quick-test pixels (the tip
/// and the left edge half-way down, dark; two inside pixels, bright). One shape for the fast locator and the plain one the
/// tests check it against, so they can differ only in how they search.
/// </summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Pixels">The shape's pixels (everything else is ignored).</param>
/// <param name="Quick">Dark, dark, bright, bright.</param>
internal sealed record ArrowMask(int Width, int Height, List<(int X, int Y, byte Value)> Pixels, (int X, int Y)[] Quick)
{
    /// <summary>The arrow, 12x19 at 1x, sampled at <paramref name="scale"/>.</summary>
    public static ArrowMask At(double scale)
    {
        const int BaseWidth = 12;
        const int BaseHeight = 19;
        int width = Math.Max(1, (int)Math.Round(BaseWidth * scale));
        int height = Math.Max(1, (int)Math.Round(BaseHeight * scale));
        var pixels = new List<(int, int, byte)>();
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                // Sample the 1x shape at the centre of this pixel.
                int row = Math.Min(BaseHeight - 1, (int)((y + 0.5) / scale));
                int column = Math.Min(BaseWidth - 1, (int)((x + 0.5) / scale));
                int span = row < 12 ? row : 12 - ((row - 12) / 2);
                if (column > Math.Min(span, 11))
                {
                    continue;
                }

                bool edge = column == 0 || column == span || row == BaseHeight - 1;
                pixels.Add((x, y, edge ? (byte)0 : (byte)255));
            }
        }

        (int, int)[] quick =
        [
            (0, 0),
            (0, (int)(10 * scale)),
            ((int)(2.5 * scale), (int)(8.5 * scale)),
            ((int)(4.5 * scale), (int)(10.5 * scale)),
        ];
        return new ArrowMask(width, height, pixels, quick);
    }
}
