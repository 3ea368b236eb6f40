using EdgeCapture.Input.Simulation;
using EdgeCapture.Video.Encoding;
using EdgeCapture.Video.Frames;
using EdgeCapture.Video.Simulation;
using EdgeCapture.Video.Sources;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Video.Tests;

public sealed class ImageFileSourceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("image-source-").FullName;

    private sealed class Sink : IFrameSink
    {
        public List<(long At, int Width, int Height, byte[] Bytes)> Frames { get; } = [];

        public int Dropped { get; private set; }

        public void OnFrame(RawFrame frame)
        {
            Frames.Add((frame.MonotonicNanoseconds, frame.Width, frame.Height, frame.Data.ToArray()));
            frame.Release();
        }

        public void OnMarker(CaptureMarker marker) => throw new InvalidOperationException("Files have no signal.");

        public void OnFrameDropped() => Dropped++;
    }

    private static List<byte[]> Images(int count, int width = 320, int height = 180)
    {
        var desktop = new SimulatedDesktop(DesktopActivityScript.CreateDefault(1, TimeSpan.FromSeconds(30)), 1);
        using var encoder = new JpegEncoder(new JpegEncodingOptions());
        var images = new List<byte[]>();
        byte[] frame = new byte[width * height * 2];
        for (int i = 0; i < count; i++)
        {
            desktop.Render(TimeSpan.FromSeconds(i * 3), frame, width, height, width * 2);
            images.Add(encoder.EncodePacked(frame, PixelLayout.Uyvy, width, height, width * 2, out _, out _).ToArray());
        }

        return images;
    }

    private static Sink Play(string path, int framesPerSecond = 4)
    {
        var clock = new FakeTimeProvider();
        using var source = new ImageFileSource(path, new ImageFileSourceOptions { FramesPerSecond = framesPerSecond }, clock);
        using var pool = new RawFramePool(4, 1024);
        var sink = new Sink();
        source.Run(pool, sink, CancellationToken.None);
        Assert.All(sink.Frames.Select((f, i) => (f, i)), p => Assert.Equal(source.StartNanoseconds + (p.i * 1_000_000_000L / framesPerSecond), p.f.At));
        return sink;
    }

    [Fact]
    public void An_mjpeg_stream_file_plays_each_image_untouched()
    {
        List<byte[]> images = Images(5);
        string file = Path.Combine(_directory, "session.mjpeg");
        File.WriteAllBytes(file, images.SelectMany(i => i).ToArray());
        Sink sink = Play(file);
        Assert.Equal(images.Count, sink.Frames.Count);
        for (int i = 0; i < images.Count; i++)
        {
            Assert.Equal(images[i], sink.Frames[i].Bytes);
            Assert.Equal((320, 180), (sink.Frames[i].Width, sink.Frames[i].Height));
        }

        Assert.Equal(0, sink.Dropped);
    }

    [Fact]
    public void Garbage_between_images_and_a_truncated_last_image_are_skipped_and_counted()
    {
        List<byte[]> images = Images(3);
        byte[] garbage = [1, 2, 3, 0xFF, 0x00, 9];
        byte[] stream = [.. images[0], .. garbage, .. images[1], .. images[2].AsSpan(0, images[2].Length / 2)];
        string file = Path.Combine(_directory, "broken.mjpeg");
        File.WriteAllBytes(file, stream);
        Sink sink = Play(file);
        Assert.Equal(2, sink.Frames.Count);
        Assert.Equal(images[1], sink.Frames[1].Bytes);
        Assert.Equal(2, sink.Dropped);
    }

    [Fact]
    public void A_folder_of_jpeg_images_plays_in_name_order_and_skips_broken_files()
    {
        List<byte[]> images = Images(3, 640, 360);
        File.WriteAllBytes(Path.Combine(_directory, "b.jpg"), images[1]);
        File.WriteAllBytes(Path.Combine(_directory, "a.JPEG"), images[0]);
        File.WriteAllBytes(Path.Combine(_directory, "c.jpg"), images[2]);
        File.WriteAllBytes(Path.Combine(_directory, "d.jpg"), [0x42, 0x42]);
        File.WriteAllText(Path.Combine(_directory, "notes.txt"), "not an image");
        Sink sink = Play(_directory);
        Assert.Equal(images, sink.Frames.Select(f => f.Bytes).ToList());
        Assert.Equal(1, sink.Dropped);
    }

    [Fact]
    public void A_missing_path_is_a_clear_error()
    {
        var exception = Assert.Throws<FileNotFoundException>(() => new ImageFileSource(Path.Combine(_directory, "absent"), new ImageFileSourceOptions(), TimeProvider.System));
        Assert.Contains("absent", exception.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
