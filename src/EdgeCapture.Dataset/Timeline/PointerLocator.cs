using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeCapture.Video.Encoding;

namespace EdgeCapture.Dataset.Timeline;

/// <summary>
/// Finds the mouse pointer in a frame near an estimate, by template matching the standard arrow pointer (black outline,
/// white inside, hotspot at the tip) at 1x, 1.5x and 2x, scaled to the frame. A cheap test of a few outline and fill
/// pixels rejects almost every position before the full mean-absolute-difference score is computed over the shape's
/// pixels; the best score under <see cref="AcceptScore"/> wins, the nearest to the estimate on a tie.
/// Only the arrow is covered: an I-beam, hand or custom cursor is not found, and the estimate then stays uncorrected.
/// </summary>
/// <remarks>
/// Fast, with the same answer as the plain pixel-by-pixel search: the quick test runs on 16 positions at once (SIMD
/// compares of the four test pixels); the score needs only the sums of the outline and of the fill pixels (outline
/// expected 0, fill 255, so the absolute difference is outline sum + 255 x fill count - fill sum), taken from row
/// prefix sums of the search window, a few runs per template row instead of every pixel; and a frame is decoded once
/// however many presses look into it.
/// </remarks>
internal sealed class PointerLocator : IPointerLocator, IDisposable
{
    /// <summary>Largest accepted mean absolute difference (0-255) between template and image over the shape's pixels.</summary>
    public const double AcceptScore = 40;

    /// <summary>
    /// Smallest accepted contrast between the shape's fill and its outline (mean gray levels): a window's white area with a
    /// dark left border matches the tip and the left edge but not the diagonal outline, and fails here.
    /// </summary>
    public const double MinimumContrast = 150;

    private static readonly double[] Sizes = [1.0, 1.5, 2.0];
    private readonly JpegGrayDecoder _decoder = new();
    private readonly Dictionary<double, PointerTemplate[]> _templatesByScale = [];
    private FrameReference? _decodedFrame;
    private bool _decoded;
    private byte[] _pixels = [];
    private int _width;
    private int _height;
    private int[] _prefix = [];

    /// <summary>How many frames were decoded (a frame several presses look into is decoded once).</summary>
    public long FramesDecoded { get; private set; }

    /// <summary>Looks for the pointer hotspot within <paramref name="radius"/> frame pixels of (<paramref name="estimateX"/>, <paramref name="estimateY"/>).</summary>
    /// <param name="frame">The frame.</param>
    /// <param name="frameScale">Frame pixels per screen pixel (frame width / screen width).</param>
    /// <param name="estimateX">Estimated hotspot X in frame pixels.</param>
    /// <param name="estimateY">Estimated hotspot Y in frame pixels.</param>
    /// <param name="radius">Search radius in frame pixels.</param>
    /// <param name="foundX">The hotspot X found, in frame pixels.</param>
    /// <param name="foundY">The hotspot Y found, in frame pixels.</param>
    /// <returns>True when a pointer was found.</returns>
    public bool TryLocate(FrameReference frame, double frameScale, int estimateX, int estimateY, int radius, out int foundX, out int foundY)
    {
        ArgumentNullException.ThrowIfNull(frame);
        foundX = 0;
        foundY = 0;
        if (!ReferenceEquals(frame, _decodedFrame))
        {
            _decodedFrame = frame;
            _decoded = _decoder.TryDecode(frame.Jpeg.Span, out _pixels, out _width, out _height);
            FramesDecoded++;
        }

        if (!_decoded)
        {
            return false;
        }

        PointerTemplate[] templates = TemplatesFor(frameScale);
        int widest = templates.Length == 0 ? 0 : templates.Max(template => template.Width);
        int tallest = templates.Length == 0 ? 0 : templates.Max(template => template.Height);

        // Every pixel any template covers at any searched position lies in this window.
        int windowLeft = Math.Max(0, estimateX - radius);
        int windowTop = Math.Max(0, estimateY - radius);
        int windowRight = (int)Math.Min(_width, (long)estimateX + radius + widest);
        int windowBottom = (int)Math.Min(_height, (long)estimateY + radius + tallest);
        if (windowRight <= windowLeft || windowBottom <= windowTop)
        {
            return false;
        }

        int stride = windowRight - windowLeft + 1;
        BuildPrefixSums(windowLeft, windowTop, windowRight - windowLeft, windowBottom - windowTop, stride);
        var best = new Candidate { Score = AcceptScore, Distance = long.MaxValue };
        foreach (PointerTemplate template in templates)
        {
            int right = (int)Math.Min(_width - template.Width, (long)estimateX + radius);
            int bottom = (int)Math.Min(_height - template.Height, (long)estimateY + radius);
            Search(template, windowLeft, windowTop, right, bottom, stride, estimateX, estimateY, ref best);
        }

        foundX = best.X;
        foundY = best.Y;
        return best.Found;
    }

    public void Dispose() => _decoder.Dispose();

    private void BuildPrefixSums(int left, int top, int width, int height, int stride)
    {
        int size = checked(stride * height);
        if (_prefix.Length < size)
        {
            _prefix = new int[size];
        }

        Span<int> prefix = _prefix;
        for (int row = 0; row < height; row++)
        {
            ReadOnlySpan<byte> source = _pixels.AsSpan(((top + row) * _width) + left, width);
            Span<int> target = prefix.Slice(row * stride, stride);
            int sum = 0;
            target[0] = 0;
            for (int column = 0; column < source.Length; column++)
            {
                sum += source[column];
                target[column + 1] = sum;
            }
        }
    }

    private void Search(PointerTemplate template, int left, int top, int right, int bottom, int stride, int estimateX, int estimateY, ref Candidate best)
    {
        const byte DarkBelow = PointerTemplate.DarkBelow;
        const byte BrightAbove = PointerTemplate.BrightAbove;
        int width = _width;
        ref byte origin = ref MemoryMarshal.GetArrayDataReference(_pixels);
        int dark0 = template.QuickDark0.Y * width + template.QuickDark0.X;
        int dark1 = template.QuickDark1.Y * width + template.QuickDark1.X;
        int bright0 = template.QuickBright0.Y * width + template.QuickBright0.X;
        int bright1 = template.QuickBright1.Y * width + template.QuickBright1.X;
        RunOffsets runs = template.Offsets(stride);
        Vector128<byte> darkBelow = Vector128.Create(DarkBelow);
        Vector128<byte> brightAbove = Vector128.Create(BrightAbove);
        for (int y = top; y <= bottom; y++)
        {
            int row = y * width;
            int x = left;
            if (Vector128.IsHardwareAccelerated)
            {
                // 16 positions at once; every lane is a position <= right, so every load stays inside the image.
                for (; x + Vector128<byte>.Count - 1 <= right; x += Vector128<byte>.Count)
                {
                    nuint at = (nuint)(row + x);
                    Vector128<byte> pass = Vector128.LessThan(Vector128.LoadUnsafe(ref origin, at + (nuint)dark0), darkBelow);
                    if (pass == Vector128<byte>.Zero)
                    {
                        continue;
                    }

                    pass &= Vector128.LessThan(Vector128.LoadUnsafe(ref origin, at + (nuint)dark1), darkBelow);
                    pass &= Vector128.GreaterThan(Vector128.LoadUnsafe(ref origin, at + (nuint)bright0), brightAbove);
                    pass &= Vector128.GreaterThan(Vector128.LoadUnsafe(ref origin, at + (nuint)bright1), brightAbove);
                    uint lanes = pass.ExtractMostSignificantBits();
                    while (lanes != 0)
                    {
                        int lane = BitOperations.TrailingZeroCount(lanes);
                        lanes &= lanes - 1;
                        Consider(template, runs, x + lane - left, y - top, stride, x + lane, y, estimateX, estimateY, ref best);
                    }
                }
            }

            for (; x <= right; x++)
            {
                int at = row + x;
                if (Unsafe.Add(ref origin, at + dark0) < DarkBelow && Unsafe.Add(ref origin, at + dark1) < DarkBelow
                    && Unsafe.Add(ref origin, at + bright0) > BrightAbove && Unsafe.Add(ref origin, at + bright1) > BrightAbove)
                {
                    Consider(template, runs, x - left, y - top, stride, x, y, estimateX, estimateY, ref best);
                }
            }
        }
    }

    private void Consider(PointerTemplate template, RunOffsets runs, int windowX, int windowY, int stride, int x, int y, int estimateX, int estimateY, ref Candidate best)
    {
        ReadOnlySpan<int> prefix = _prefix;
        int origin = (windowY * stride) + windowX;
        long outline = 0;
        for (int index = 0; index < runs.OutlineStart.Length; index++)
        {
            outline += prefix[origin + runs.OutlineEnd[index]] - prefix[origin + runs.OutlineStart[index]];
        }

        long fill = 0;
        for (int index = 0; index < runs.FillStart.Length; index++)
        {
            fill += prefix[origin + runs.FillEnd[index]] - prefix[origin + runs.FillStart[index]];
        }

        (double score, double contrast) = template.Score(outline, fill);
        if (contrast < MinimumContrast)
        {
            return;
        }

        long distance = ((long)(x - estimateX) * (x - estimateX)) + ((long)(y - estimateY) * (y - estimateY));
        if (score < best.Score - 0.5 || (score <= best.Score + 0.5 && best.Found && distance < best.Distance))
        {
            best.Score = Math.Min(score, best.Score);
            best.Distance = distance;
            best.X = x;
            best.Y = y;
            best.Found = true;
        }
    }

    private PointerTemplate[] TemplatesFor(double frameScale)
    {
        double key = Math.Round(frameScale, 3);
        if (!_templatesByScale.TryGetValue(key, out PointerTemplate[]? templates))
        {
            templates = [.. Sizes.Select(size => PointerTemplate.Arrow(size * key)).Where(template => template.Width >= 4 && template.Height >= 6)];
            _templatesByScale[key] = templates;
        }

        return templates;
    }

    private struct Candidate
    {
        public double Score;
        public long Distance;
        public int X;
        public int Y;
        public bool Found;
    }
}

/// <summary>Finds the pointer hotspot in a frame near an estimate (the fast <see cref="PointerLocator"/>; the tests compare it with a plain search).</summary>
internal interface IPointerLocator
{
    /// <summary>Looks for the pointer hotspot within <paramref name="radius"/> frame pixels of the estimate; false when not found.</summary>
    bool TryLocate(FrameReference frame, double frameScale, int estimateX, int estimateY, int radius, out int foundX, out int foundY);
}

/// <summary>A template's runs as offsets into prefix sums of one stride: sum of a run = prefix[origin + end] - prefix[origin + start].</summary>
internal sealed record RunOffsets(int[] OutlineStart, int[] OutlineEnd, int[] FillStart, int[] FillEnd);

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

        // Quick test: the tip and the left edge half-way down (dark), two inside pixels (bright).
        (int, int)[] quick =
        [
            (0, 0),
            (0, (int)(10 * scale)),
            ((int)(2.5 * scale), (int)(8.5 * scale)),
            ((int)(4.5 * scale), (int)(10.5 * scale)),
        ];
        return new PointerTemplate(width, height, pixels, quick);
    }

    /// <summary>The runs as offsets for prefix sums of <paramref name="stride"/> (cached for the last stride).</summary>
    public RunOffsets Offsets(int stride)
    {
        if (_offsets is null || _offsetsStride != stride)
        {
            _offsets = new RunOffsets(
                [.. _outlineRuns.Select(run => (run.Row * stride) + run.Start)],
                [.. _outlineRuns.Select(run => (run.Row * stride) + run.End)],
                [.. _fillRuns.Select(run => (run.Row * stride) + run.Start)],
                [.. _fillRuns.Select(run => (run.Row * stride) + run.End)]);
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
