using EdgeCapture.Video.Encoding;
using EdgeCapture.Video.Frames;

namespace EdgeCapture.Video.Sources;

/// <summary>Settings of an <see cref="ImageFileSource"/>.</summary>
public sealed record ImageFileSourceOptions
{
    /// <summary>Frames per second the images are played at. Default 10.</summary>
    public int FramesPerSecond { get; init; } = 10;

    /// <summary>Pacing. Default as fast as the consumer takes them.</summary>
    public SimulatedPacing Pacing { get; init; } = SimulatedPacing.AsFastAsPossible;
}

/// <summary>
/// Frames from files, for development and replays: an MJPEG stream file (concatenated JPEG images, as
/// <c>ffmpeg -f mjpeg</c> writes them) or a folder of JPEG images (*.jpg, *.jpeg, in ordinal name order). Each image
/// becomes one MJPEG frame, passed through untouched; frame i is stamped <c>start + i / fps</c>. Data that is not a JPEG
/// image (garbage between images, a truncated last image, a broken file) is skipped and counted as a dropped frame.
/// PNG images are not read (no PNG decoder on the box): convert them first.
/// </summary>
public sealed class ImageFileSource : IFrameSource
{
    private readonly string _path;
    private readonly ImageFileSourceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly JpegThumbnailDecoder _decoder = new();

    /// <summary>Creates the source. Throws <see cref="FileNotFoundException"/> when <paramref name="path"/> does not exist.</summary>
    public ImageFileSource(string path, ImageFileSourceOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.FramesPerSecond);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new FileNotFoundException($"No MJPEG file or image folder at {path}.", path);
        }

        _path = path;
        _options = options;
        _timeProvider = timeProvider;
    }

    /// <inheritdoc/>
    public string Description => Directory.Exists(_path) ? $"JPEG folder {_path}" : $"MJPEG file {_path}";

    /// <summary>Monotonic time of the first frame, once <see cref="Run"/> has started.</summary>
    public long StartNanoseconds { get; private set; }

    /// <inheritdoc/>
    public void Run(RawFramePool pool, IFrameSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(sink);
        StartNanoseconds = MonotonicClock.For(_timeProvider).NowNanoseconds;
        long index = 0;
        foreach (ReadOnlyMemory<byte> image in Images(sink))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            long at = StartNanoseconds + (index * MonotonicClock.NanosecondsPerSecond / _options.FramesPerSecond);
            Pace(at, cancellationToken);
            int width;
            int height;
            try
            {
                (width, height) = _decoder.ReadSize(image.Span);
            }
            catch (JpegCodecException)
            {
                sink.OnFrameDropped();
                continue;
            }

            RawFrame frame;
            try
            {
                frame = pool.Rent(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            image.Span.CopyTo(frame.GetWritableSpan(image.Length));
            frame.Describe(PixelLayout.Mjpeg, width, height, 0, image.Length, at, index);
            index++;
            sink.OnFrame(frame);
        }
    }

    private IEnumerable<ReadOnlyMemory<byte>> Images(IFrameSink sink)
    {
        if (Directory.Exists(_path))
        {
            string[] files = Directory.GetFiles(_path)
                .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .ToArray();
            foreach (string file in files)
            {
                yield return File.ReadAllBytes(file);
            }

            yield break;
        }

        byte[] stream = File.ReadAllBytes(_path);
        int position = 0;
        while (MjpegStream.TryNextImage(stream, ref position, out Range image, out bool skipped))
        {
            if (skipped)
            {
                sink.OnFrameDropped();
            }

            yield return stream.AsMemory(image);
        }

        if (position < stream.Length)
        {
            // A truncated last image.
            sink.OnFrameDropped();
        }
    }

    private void Pace(long dueNanoseconds, CancellationToken cancellationToken)
    {
        long wait = dueNanoseconds - MonotonicClock.For(_timeProvider).NowNanoseconds;
        if (_options.Pacing == SimulatedPacing.AsFastAsPossible || wait <= 0)
        {
            return;
        }

        try
        {
            Task.Delay(TimeSpan.FromTicks(wait / 100), _timeProvider, cancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // The loop sees the cancellation.
        }
    }

    /// <summary>Frees the JPEG header reader.</summary>
    public void Dispose() => _decoder.Dispose();
}

/// <summary>Splits concatenated JPEG images by their markers.</summary>
internal static class MjpegStream
{
    /// <summary>
    /// Finds the next complete image (SOI .. EOI) at or after <paramref name="position"/>. <paramref name="skipped"/> tells
    /// whether bytes before it were not part of any image. Returns false when no complete image remains; then
    /// <paramref name="position"/> points at the start of what is left (a truncated image) or at the end.
    /// </summary>
    public static bool TryNextImage(ReadOnlySpan<byte> data, ref int position, out Range image, out bool skipped)
    {
        image = default;
        int found = data[position..].IndexOf([(byte)0xFF, (byte)0xD8]);
        if (found < 0)
        {
            skipped = position < data.Length;
            position = data.Length;
            return false;
        }

        int start = position + found;
        skipped = found > 0;
        int end = FindEnd(data, start);
        if (end < 0)
        {
            position = start;
            return false;
        }

        image = start..end;
        position = end;
        return true;
    }

    /// <summary>The index after the EOI marker of the image starting at <paramref name="start"/>, or -1 when it is incomplete or broken.</summary>
    private static int FindEnd(ReadOnlySpan<byte> data, int start)
    {
        int cursor = start + 2;
        while (cursor + 1 < data.Length)
        {
            if (data[cursor] != 0xFF)
            {
                return -1;
            }

            byte marker = data[cursor + 1];
            if (marker == 0xFF)
            {
                cursor++;
                continue;
            }

            if (marker == 0xD9)
            {
                return cursor + 2;
            }

            if (marker is (>= 0xD0 and <= 0xD7) or 0x01)
            {
                cursor += 2;
                continue;
            }

            if (cursor + 3 >= data.Length)
            {
                return -1;
            }

            cursor += 2 + ((data[cursor + 2] << 8) | data[cursor + 3]);
            if (marker != 0xDA)
            {
                continue;
            }

            // Entropy-coded data: 0xFF inside it is always stuffed (FF00) or a restart marker (FFD0-D7).
            while (cursor + 1 < data.Length && !(data[cursor] == 0xFF && data[cursor + 1] != 0x00 && data[cursor + 1] is not (>= 0xD0 and <= 0xD7)))
            {
                cursor++;
            }
        }

        return -1;
    }
}
