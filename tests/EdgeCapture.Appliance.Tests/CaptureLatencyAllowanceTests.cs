using EdgeCapture.Linux;
using System.Device.Gpio;
using EdgeCapture.Privacy;
using EdgeCapture.Privacy.Simulation;
using EdgeCapture.Video;
using EdgeCapture.Video.Encoding;
using EdgeCapture.Video.Frames;
using EdgeCapture.Video.Sources;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Appliance.Tests;

/// <summary>"The switch wins" for frames: a frame shows the screen as it was up to the source's latency before its timestamp.</summary>
public sealed class CaptureLatencyAllowanceTests
{
    private const int Width = 64;
    private const int Height = 48;

    /// <summary>MJPEG frames (as a dongle delivers them) at the given instants, then the end of the source.</summary>
    private sealed class StampedMjpegSource(byte[] jpeg, IReadOnlyList<long> instants) : IFrameSource
    {
        public string Description => "stamped MJPEG frames";

        public void Run(RawFramePool pool, IFrameSink sink, CancellationToken cancellationToken)
        {
            long sequence = 0;
            foreach (long instant in instants)
            {
                RawFrame frame = pool.Rent(cancellationToken);
                jpeg.CopyTo(frame.GetWritableSpan(jpeg.Length));
                frame.Describe(PixelLayout.Mjpeg, Width, Height, Width * 2, jpeg.Length, instant, sequence++);
                sink.OnFrame(frame);
            }
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public void The_defaults_are_documented_per_source()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(150), CaptureLatencyAllowance.For(VideoSourceKind.V4l2Dongle));
        Assert.Equal(TimeSpan.FromMilliseconds(60), CaptureLatencyAllowance.For(VideoSourceKind.V4l2Bridge));
        Assert.Equal(TimeSpan.FromMilliseconds(100), CaptureLatencyAllowance.For(VideoSourceKind.Simulated));
        Assert.Equal(TimeSpan.FromMilliseconds(100), CaptureLatencyAllowance.For(VideoSourceKind.File));
        Assert.True(CaptureLatencyAllowance.For(VideoSourceKind.V4l2Bridge) < CaptureLatencyAllowance.For(VideoSourceKind.V4l2Dongle));
    }

    [Theory]
    [InlineData(VideoSourceKind.V4l2Dongle, 150)]
    [InlineData(VideoSourceKind.V4l2Bridge, 60)]
    public async Task A_frame_taken_within_the_allowance_after_going_public_is_not_recorded(VideoSourceKind source, int allowanceMilliseconds)
    {
        var time = new FakeTimeProvider();
        var clock = new MonotonicClock(time, time.GetTimestamp());
        SimulatedGpioDriver driver = SimulatedPinout.CreateDriver(switchPrivate: true);
        using PrivacyHardware privacy = PrivacyHardware.Start(SimulatedPinout.Document, new PrivacyOptions(), clock, driverFactory: _ => driver);
        Advance(time, 200);
        driver.SetExternalLevel(SimulatedPinout.SwitchLine, PinValue.Low);
        Advance(time, 1000);
        Assert.Equal(PrivacyState.Public, privacy.Status.State);
        long opened = privacy.Status.SinceNanoseconds;

        // A dongle frame stamped 100 ms after going public may still show the private screen; one stamped later than the
        // allowance may not. Frames every 10 ms from 50 ms before the opening to 400 ms after it.
        long[] instants = [.. Enumerable.Range(-5, 46).Select(step => opened + (step * 10 * MonotonicClock.NanosecondsPerMillisecond))];
        List<CaptureRecord> records = await CaptureAsync(CaptureLatencyAllowance.FrameGateFor(privacy, source, alsoRequired: null), instants, time);

        CapturedFrame first = Assert.IsType<CapturedFrame>(records[0]);
        Assert.Equal(opened + (allowanceMilliseconds * MonotonicClock.NanosecondsPerMillisecond), first.MonotonicNanoseconds);
        Assert.DoesNotContain(records, record => record.MonotonicNanoseconds == opened + (100 * MonotonicClock.NanosecondsPerMillisecond) && source == VideoSourceKind.V4l2Dongle);
        foreach (CaptureRecord record in records)
        {
            (record as CapturedFrame)?.Dispose();
        }
    }

    private static async Task<List<CaptureRecord>> CaptureAsync(EdgeCapture.Privacy.Gates.IRecordingGate gate, long[] instants, TimeProvider time)
    {
        byte[] jpeg = GrayJpeg();
        using var stage = new CaptureStage(new StampedMjpegSource(jpeg, instants), gate, new CaptureStageOptions { FramePoolSize = 12, FrameBufferCapacity = 1 << 16, OutputCapacity = 1024 }, time, NullLogger<CaptureStage>.Instance);
        var records = new List<CaptureRecord>();
        Task run = stage.RunAsync(CancellationToken.None);
        await foreach (CaptureRecord record in stage.Records.ReadAllAsync())
        {
            records.Add(record);
        }

        await run;
        return records;
    }

    private static byte[] GrayJpeg()
    {
        byte[] uyvy = new byte[Width * Height * 2];
        Array.Fill(uyvy, (byte)128);
        using var encoder = new JpegEncoder(new JpegEncodingOptions());
        return encoder.EncodePacked(uyvy, PixelLayout.Uyvy, Width, Height, Width * 2, out _, out _).ToArray();
    }

    /// <summary>In 1 ms steps, so the switch poll timer sees its own due times (FakeTimeProvider runs due timers at the end of one Advance).</summary>
    private static void Advance(FakeTimeProvider time, int milliseconds)
    {
        for (int step = 0; step < milliseconds; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
        }
    }
}
