using System.Device.Gpio;
using EdgeCapture.Crypto;
using EdgeCapture.Linux;
using EdgeCapture.Privacy.Simulation;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Appliance.Tests;

/// <summary>
/// "The switch wins" for the screen, end to end: the simulated appliance with video and several switch flips; the custodian
/// decrypts every sealed segment and no frame's window [t - allowance, t] touches an interval in which the switch was private.
/// What was private comes from the simulated switch's own edges (stamped as the level changes), not from the privacy timeline.
/// </summary>
public sealed class FramesGatedEndToEndTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-frames-gated-");
    private readonly AgeIdentity _custodian = AgeIdentity.Generate();

    public void Dispose()
    {
        _custodian.Dispose();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task No_sealed_frame_shows_a_moment_in_which_the_switch_was_private()
    {
        // The first flip comes 3 s after the start, so that Start (which returns only once the relay answers, slow on a
        // loaded machine) has returned and the test listens to the switch line before it: an edge missed is a flake.
        double[] privateAt = [3.0, 5.0, 7.0, 9.0, 11.0];
        // The flips back to public fall at five phases 20 ms apart within the simulated desktop's 100 ms frame interval, so
        // some flip is always followed by a frame less than the allowance later (the one a gate without it would record).
        // Each public stretch lasts 1.6 s: on a loaded machine the debounce timer and the capture thread can run late by
        // hundreds of milliseconds, and the check below wants a frame within a second of every flip back to public.
        double[] publicAt = [3.40, 5.42, 7.44, 9.46, 11.48];
        var edges = new List<(long At, bool Private)>();
        var configuration = new ApplianceConfiguration
        {
            DeviceId = "gated-box",
            DataDirectory = Path.Combine(_directory.FullName, "box"),
            Recipients = [_custodian.Recipient],
            SegmentSeconds = 0.5,
            VideoSource = VideoSourceKind.Simulated,
        };
        var simulation = new ApplianceSimulation { Seed = 8, LosslessFrames = true, PrivateAt = privateAt, PublicAt = publicAt };
        long started;
        DevicePublicKey devicePublicKey;
        await using (Appliance appliance = Appliance.Start(configuration, simulation))
        {
            started = MonotonicClock.System.NowNanoseconds;
            devicePublicKey = appliance.DevicePublicKey;
            appliance.SimulatedGpio!.OperationPerformed += operation =>
            {
                if (operation.Kind == SimulatedGpioOperationKind.Edge && operation.Pin == SimulatedPinout.SwitchLine)
                {
                    lock (edges)
                    {
                        edges.Add((MonotonicClock.System.NowNanoseconds, operation.Value == PinValue.High));
                    }
                }
            };

            // Until the last flip back to public is seen and two seconds of public screen have followed it.
            while (true)
            {
                lock (edges)
                {
                    if (edges.Count(edge => !edge.Private) == publicAt.Length && MonotonicClock.System.NowNanoseconds - edges[^1].At > 2 * MonotonicClock.NanosecondsPerSecond)
                    {
                        break;
                    }
                }

                Assert.True(MonotonicClock.System.NowNanoseconds - started < 60 * MonotonicClock.NanosecondsPerSecond, "the flips did not happen within a minute");
                await Task.Delay(TimeSpan.FromMilliseconds(50));
            }

            await appliance.StopAsync();
        }

        lock (edges)
        {
            Assert.True(edges.Count == privateAt.Length + publicAt.Length && edges[0].Private, $"every flip seen from the first on ({edges.Count} edges)");
        }

        // The private intervals: from an edge to private until the next edge to public.
        var privateIntervals = new List<(long From, long Until)>();
        long? privateSince = null;
        foreach ((long at, bool isPrivate) in edges)
        {
            if (isPrivate)
            {
                privateSince ??= at;
            }
            else if (privateSince is { } since)
            {
                privateIntervals.Add((since, at));
                privateSince = null;
            }
        }

        Assert.Equal(privateAt.Length, privateIntervals.Count);

        var frames = new List<FrameRecord>();
        using (var outbox = SegmentOutbox.Open(Path.Combine(configuration.DataDirectory, "outbox.db"), new OutboxOptions(), NullLogger<SegmentOutbox>.Instance, TimeProvider.System))
        {
            VerificationReport report = SegmentChainVerifier.Verify(outbox, devicePublicKey, [_custodian], (_, contents) => frames.AddRange(contents.Records.OfType<FrameRecord>()));
            Assert.True(report.IsValid, string.Join("\n", report.Errors.Select(error => error.Message)));
        }

        long allowance = MonotonicClock.ToNanoseconds(CaptureLatencyAllowance.For(VideoSourceKind.Simulated));
        Assert.All(frames, frame =>
        {
            long from = frame.MonotonicNanoseconds - allowance;
            foreach ((long privateFrom, long privateUntil) in privateIntervals)
            {
                Assert.False(
                    from <= privateUntil && frame.MonotonicNanoseconds >= privateFrom,
                    $"frame at {frame.MonotonicNanoseconds} ns (window from {from}) touches the private interval [{privateFrom}, {privateUntil}]: {(frame.MonotonicNanoseconds - privateUntil) / 1e6:0.#} ms after going public");
            }
        });

        // Not vacuous: the screen was recorded again after every flip back to public (the resumed keyframe), and before the first flip.
        Assert.Contains(frames, frame => frame.MonotonicNanoseconds < privateIntervals[0].From);
        foreach ((_, long until) in privateIntervals)
        {
            Assert.Contains(frames, frame => frame.MonotonicNanoseconds > until && frame.MonotonicNanoseconds - until < MonotonicClock.NanosecondsPerSecond);
        }
    }
}
