using EdgeCapture.Appliance.Hardware;
using EdgeCapture.Appliance.Hosting;
using EdgeCapture.Crypto;
using EdgeCapture.Privacy;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Appliance.Tests;

/// <summary>
/// Fault isolation: a part that fails (the recorder, the outbox's disk) is reported and restarted or survived while the
/// simulated user types through it. Every typed sentence reaches the simulated host intact, and nothing recorded lies
/// outside the switch's public intervals, also across the restart ("The relay never waits", "The switch wins").
/// </summary>
public sealed class ApplianceFaultTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-appliance-faults-");
    private readonly AgeIdentity _custodian = AgeIdentity.Generate();

    public void Dispose()
    {
        _custodian.Dispose();
        _directory.Delete(recursive: true);
    }

    /// <summary>Key records (press and release) the simulated user makes in about two typed sentences: the relay check needs one typed in full.</summary>
    private const long TwoSentencesOfKeys = 160;

    private ApplianceConfiguration Configuration() => new()
    {
        DeviceId = "fault-box",
        DataDirectory = Path.Combine(_directory.FullName, "box"),
        Recipients = [_custodian.Recipient],
        SegmentSeconds = 0.3,
    };

    [Fact]
    public async Task A_recorder_fault_is_reported_and_the_recorder_restarted_while_typing_goes_through()
    {
        var reports = new List<string>();
        long keysAfterRestart = 0;
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Appliance? running = null;
        var faults = new ApplianceFaultInjection
        {
            RecorderRun = attempt =>
            {
                if (attempt == 0)
                {
                    throw new InvalidOperationException("injected recorder fault");
                }
            },
        };
        var simulation = new ApplianceSimulation { Seed = 6, PrivateAt = [1.6], PublicAt = [2.4] };
        IReadOnlyList<PublicInterval> publicIntervals;
        DevicePublicKey devicePublicKey;
        await using (Appliance appliance = Appliance.Start(Configuration(), new SimulatedHardware(simulation), null, info =>
        {
            if (Volatile.Read(ref running) is { } started && started.Health.TotalRestarts > 0 && Interlocked.Add(ref keysAfterRestart, info.Counts.Keys) >= TwoSentencesOfKeys
                && started.Privacy.Timeline.GetPublicIntervals().Count >= 2)
            {
                enough.TrySetResult();
            }
        }, line => { lock (reports) { reports.Add(line); } }, faults, notifier: null))
        {
            Volatile.Write(ref running, appliance);
            devicePublicKey = appliance.DevicePublicKey;
            await enough.Task.WaitAsync(TimeSpan.FromMinutes(2));
            await appliance.StopAsync();
            publicIntervals = appliance.Privacy.Timeline.GetPublicIntervals();
            PartFault fault = Assert.Single(appliance.Health.Faults);
            Assert.Equal("recorder", fault.Part);
            Assert.Equal("injected recorder fault", fault.LastError);
            Assert.True(fault.Restarts >= 1 && fault.Running, $"{fault}");
            Assert.Equal("recorder: injected recorder fault", appliance.LastError);
            Assert.True(appliance.SimulatedRelayResult!.Value.Typing.IsIntact, $"{appliance.SimulatedRelayResult.Value.Typing}");
        }

        lock (reports)
        {
            Assert.Contains(reports, line => line.StartsWith("recorder: faulted (injected recorder fault); restarting", StringComparison.Ordinal));
        }

        AssertAllRecordedInside(publicIntervals, devicePublicKey, out long keys);
        Assert.True(keys > 0);
    }

    [Fact]
    public async Task An_outbox_whose_disk_fails_loses_only_the_segments_it_refused_while_typing_goes_through()
    {
        FailingRecordingOutbox? failing = null;
        long sealedAfterFailures = 0;
        long keysAfterFailures = 0;
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var faults = new ApplianceFaultInjection { RecordingOutbox = outbox => failing = new FailingRecordingOutbox(outbox, failures: 2) };
        IReadOnlyList<PublicInterval> publicIntervals;
        DevicePublicKey devicePublicKey;
        RecorderStatistics statistics;
        await using (Appliance appliance = Appliance.Start(Configuration(), new SimulatedHardware(new ApplianceSimulation { Seed = 7 }), null, info =>
        {
            if (Volatile.Read(ref failing) is { FailuresLeft: 0 } && Interlocked.Increment(ref sealedAfterFailures) >= 3 && Interlocked.Add(ref keysAfterFailures, info.Counts.Keys) >= TwoSentencesOfKeys)
            {
                enough.TrySetResult();
            }
        }, null, faults, notifier: null))
        {
            devicePublicKey = appliance.DevicePublicKey;
            await enough.Task.WaitAsync(TimeSpan.FromMinutes(2));
            await appliance.StopAsync();
            publicIntervals = appliance.Privacy.Timeline.GetPublicIntervals();
            statistics = appliance.Recorder.GetStatistics();
            Assert.True(appliance.SimulatedRelayResult!.Value.Typing.IsIntact, $"{appliance.SimulatedRelayResult.Value.Typing}");
        }

        Assert.Equal(2, statistics.SegmentsLost);
        Assert.True(statistics.SegmentsSealed >= 3, $"{statistics}");
        AssertAllRecordedInside(publicIntervals, devicePublicKey, out long keys);
        Assert.True(keys > 0);
    }

    /// <summary>Every sealed key and mouse record's moment lies in a public interval of the switch.</summary>
    private void AssertAllRecordedInside(IReadOnlyList<PublicInterval> publicIntervals, DevicePublicKey devicePublicKey, out long keys)
    {
        long counted = 0;
        var outside = new List<long>();
        using (var outbox = SegmentOutbox.Open(Path.Combine(_directory.FullName, "box", "outbox.db"), new OutboxOptions(), NullLogger<SegmentOutbox>.Instance, TimeProvider.System))
        {
            VerificationReport report = SegmentChainVerifier.Verify(outbox, devicePublicKey, [_custodian], (_, contents) =>
            {
                foreach (SegmentRecord record in contents.Records)
                {
                    if (record is KeyRecord or MouseRecord && !publicIntervals.Any(interval => interval.Contains(record.MonotonicNanoseconds)))
                    {
                        outside.Add(record.MonotonicNanoseconds);
                    }

                    if (record is KeyRecord)
                    {
                        counted++;
                    }
                }
            });
            Assert.True(report.IsValid, string.Join("\n", report.Errors.Select(error => $"{error.Problem}: {error.Message}")));
        }

        Assert.Empty(outside);
        keys = counted;
    }

    /// <summary>An outbox whose disk returns EIO for the first <c>failures</c> appends, as a failing SD card would.</summary>
    private sealed class FailingRecordingOutbox(IRecordingOutbox inner, int failures) : IRecordingOutbox
    {
        private int _failuresLeft = failures;

        public int FailuresLeft => Volatile.Read(ref _failuresLeft);

        public bool IsStorageFull => inner.IsStorageFull;

        public bool IsForgetComplete => inner.IsForgetComplete;

        public AppendResult AppendSealedSegment(SealedSegmentRecord segment)
        {
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                throw new IOException("Input/output error (EIO)");
            }

            Interlocked.Exchange(ref _failuresLeft, 0);
            return inner.AppendSealedSegment(segment);
        }

        public ForgetResult Forget(ForgetRange range) => inner.Forget(range);

        public bool RetryForgetCheckpoint() => inner.RetryForgetCheckpoint();

        public IReadOnlyList<SegmentKey> GetSegmentsAwaitingRetraction() => inner.GetSegmentsAwaitingRetraction();

        public long QueueRetraction(ReadOnlyMemory<byte> signedDocument, IReadOnlyCollection<SegmentKey> retractedSegments) => inner.QueueRetraction(signedDocument, retractedSegments);
    }
}
