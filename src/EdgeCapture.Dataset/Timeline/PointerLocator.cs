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
    private readonly Dictionary<double, PointerTemplate[]> _templatesByScale = [];
    private FrameReference? _decodedFrame;
    private bool _decoded;
    private byte[] _pixels = [];
    private int _width;
    private int _height;
    private int[] _prefix = [];
    private bool[] _prefixRowReady = [];
    private int _prefixLeft;
    private int _prefixTop;
    private int _prefixWidth;
    private int _prefixHeight;
    private int _prefixStride;

    /// <summary>How many frames were decoded (a frame several presses look into is decoded once).</summary>
    public long FramesDecoded { get; private set; }

    /// <summary>Looks for the pointer hotspot within <paramref name="radius"/> frame pixels of (<paramref name="estimateX"/>, <paramref name="estimateY"/>).</summary>
    /// <param name="frame">The frame.</param>
    /// <param name="frameScale">Frame pixels per screen pixel (frame width / screen width).</param>
    /// <param name="estimateX">Estimated hotspot X in frame pixels.</param>
    /// <param name="estimateY">Estimated hotspot Y in frame pixels.</param>
    /// <param name="radius">Search radius in frame pixels.</param>
    /// <param name="searchedRadius">Positions within this many frame pixels of the estimate are not searched (an earlier call on the same frame and estimate searched them and found nothing); -1 searches every position.</param>
    /// <param name="foundX">The hotspot X found, in frame pixels.</param>
    /// <param name="foundY">The hotspot Y found, in frame pixels.</param>
    /// <returns>True when a pointer was found.</returns>
    public bool TryLocate(FrameReference frame, double frameScale, int estimateX, int estimateY, int radius, int searchedRadius, out int foundX, out int foundY)
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
            var searched = new Searched(estimateX - searchedRadius, estimateY - searchedRadius, (long)estimateX + searchedRadius, (long)estimateY + searchedRadius);
            Search(template, windowLeft, windowTop, right, bottom, stride, estimateX, estimateY, searched, ref best);
        }

        foundX = best.X;
        foundY = best.Y;
        return best.Found;
    }

    public void Dispose() => _decoder.Dispose();

    /// <summary>
    /// Readies the prefix sums of the window (stride columns per row). Rows are summed when a candidate first needs them
    /// (<see cref="EnsurePrefixRows"/>): most of a large search window is plain desktop that no candidate touches.
    /// </summary>
    private void BuildPrefixSums(int left, int top, int width, int height, int stride)
    {
        int size = checked(stride * height);
        if (_prefix.Length < size)
        {
            _prefix = new int[size];
        }

        if (_prefixRowReady.Length < height)
        {
            _prefixRowReady = new bool[height];
        }

        Array.Clear(_prefixRowReady, 0, height);
        (_prefixLeft, _prefixTop, _prefixWidth, _prefixHeight, _prefixStride) = (left, top, width, height, stride);
    }

    /// <summary>Sums the window rows <paramref name="firstRow"/> .. + <paramref name="count"/> - 1 not summed yet.</summary>
    private void EnsurePrefixRows(int firstRow, int count)
    {
        int end = Math.Min(_prefixHeight, firstRow + count);
        for (int row = firstRow; row < end; row++)
        {
            if (_prefixRowReady[row])
            {
                continue;
            }

            _prefixRowReady[row] = true;
            ReadOnlySpan<byte> source = _pixels.AsSpan(((_prefixTop + row) * _width) + _prefixLeft, _prefixWidth);
            Span<int> target = _prefix.AsSpan(row * _prefixStride, _prefixStride);
            int sum = 0;
            target[0] = 0;
            for (int column = 0; column < source.Length; column++)
            {
                sum += source[column];
                target[column + 1] = sum;
            }
        }
    }

    private void Search(PointerTemplate template, int left, int top, int right, int bottom, int stride, int estimateX, int estimateY, Searched searched, ref Candidate best)
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

            // A row that crosses the positions already searched is tested only either side of them.
            bool crosses = y >= searched.Top && y <= searched.Bottom && searched.Right >= left && searched.Left <= right;
            int firstEnd = crosses ? (int)Math.Min(right, searched.Left - 1) : right;
            for (int segment = 0; segment < (crosses ? 2 : 1); segment++)
            {
                int x = segment == 0 ? left : (int)Math.Max(left, searched.Right + 1);
                int end = segment == 0 ? firstEnd : right;
                if (Vector128.IsHardwareAccelerated)
                {
                    // 16 positions at once; every lane is a position <= end, so every load stays inside the image. The first
                    // test pairs a dark and a bright pixel, so that neither a dark nor a bright desktop passes it everywhere.
                    for (; x + Vector128<byte>.Count - 1 <= end; x += Vector128<byte>.Count)
                    {
                        nuint at = (nuint)(row + x);
                        Vector128<byte> pass = Vector128.LessThan(Vector128.LoadUnsafe(ref origin, at + (nuint)dark0), darkBelow)
                            & Vector128.GreaterThan(Vector128.LoadUnsafe(ref origin, at + (nuint)bright0), brightAbove);
                        if (pass == Vector128<byte>.Zero)
                        {
                            continue;
                        }

                        pass &= Vector128.LessThan(Vector128.LoadUnsafe(ref origin, at + (nuint)dark1), darkBelow);
                        pass &= Vector128.GreaterThan(Vector128.LoadUnsafe(ref origin, at + (nuint)bright1), brightAbove);
                        uint lanes = pass.ExtractMostSignificantBits();
                        if (lanes != 0)
                        {
                            EnsurePrefixRows(y - top, template.Height);
                        }

                        while (lanes != 0)
                        {
                            int lane = BitOperations.TrailingZeroCount(lanes);
                            lanes &= lanes - 1;
                            Consider(template, runs, x + lane - left, y - top, stride, x + lane, y, estimateX, estimateY, ref best);
                        }
                    }
                }

                for (; x <= end; x++)
                {
                    int at = row + x;
                    if (Unsafe.Add(ref origin, at + dark0) < DarkBelow && Unsafe.Add(ref origin, at + dark1) < DarkBelow
                        && Unsafe.Add(ref origin, at + bright0) > BrightAbove && Unsafe.Add(ref origin, at + bright1) > BrightAbove)
                    {
                        EnsurePrefixRows(y - top, template.Height);
                        Consider(template, runs, x - left, y - top, stride, x, y, estimateX, estimateY, ref best);
                    }
                }
            }
        }
    }

    private void Consider(PointerTemplate template, RunOffsets runs, int windowX, int windowY, int stride, int x, int y, int estimateX, int estimateY, ref Candidate best)
    {
        ReadOnlySpan<int> prefix = _prefix;
        int origin = (windowY * stride) + windowX;

        // Every run adds a non-negative difference (outline pixels expected 0, fill 255), so once the partial sum is past
        // what could still be accepted (a score at most best + 0.5) the position is out: exact, only sooner. One pixel of
        // slack keeps the rounding of the limit from deciding anything the full score would decide otherwise.
        long limit = (long)Math.Ceiling((best.Score + 0.5) * template.PixelCount) + 1;
        long outline = 0;
        long fill = 0;
        int outlineIndex = 0;
        int fillIndex = 0;
        for (int row = 0; row < runs.OutlineRowEnd.Length; row++)
        {
            for (; outlineIndex < runs.OutlineRowEnd[row]; outlineIndex++)
            {
                outline += prefix[origin + runs.OutlineEnd[outlineIndex]] - prefix[origin + runs.OutlineStart[outlineIndex]];
            }

            for (; fillIndex < runs.FillRowEnd[row]; fillIndex++)
            {
                fill += prefix[origin + runs.FillEnd[fillIndex]] - prefix[origin + runs.FillStart[fillIndex]];
            }

            if (outline + ((255L * runs.FillPixelsThroughRow[row]) - fill) > limit)
            {
                return;
            }
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

    /// <summary>The positions (hotspots) an earlier call searched: left, top, right, bottom, inclusive; empty when right &lt; left.</summary>
    private readonly record struct Searched(long Left, long Top, long Right, long Bottom);

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
    /// <summary>
    /// Looks for the pointer hotspot within <paramref name="radius"/> frame pixels of the estimate, skipping the positions
    /// within <paramref name="searchedRadius"/> (-1: none), which an earlier call on the same frame and estimate searched
    /// without a match; false when not found.
    /// </summary>
    bool TryLocate(FrameReference frame, double frameScale, int estimateX, int estimateY, int radius, int searchedRadius, out int foundX, out int foundY);
}
