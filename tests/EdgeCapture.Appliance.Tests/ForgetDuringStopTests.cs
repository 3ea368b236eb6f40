using System.Device.Gpio;
using EdgeCapture.Appliance.Hardware;
using EdgeCapture.Appliance.Hosting;
using EdgeCapture.Crypto;
using EdgeCapture.Linux;
using EdgeCapture.Privacy;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;
using EdgeCapture.Video.Frames;
using EdgeCapture.Video.Sources;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Appliance.Tests;

/// <summary>
/// Issue 8, point 4: "Presses queued or made while the appliance stops are carried out before the final seal" is left
/// behind. The forget button is pressed on the simulated GPIO line while <see cref="Appliance.StopAsync"/> runs: once
/// during the final seal (a slow disk holds the recorder's last append), once after the recorder has stopped while a
/// later part (capture, whose device is slow to stop) still stops. Either way nothing the simulated user typed before
/// the press is left in the outbox (the window, 2 minutes, covers the whole run).
/// </summary>
public sealed class ForgetDuringStopTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>How long the final seal's append is held before the press.</summary>
    private static readonly TimeSpan SlowDisk = TimeSpan.FromSeconds(3);

    /// <summary>How long the button may take to accept a press (its debounce is 30 ms).</summary>
    private static readonly TimeSpan PressAccepted = TimeSpan.FromSeconds(20);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-forget-during-stop-");
    private readonly AgeIdentity _custodian = AgeIdentity.Generate();

    public void Dispose()
    {
        _custodian.Dispose();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task A_press_during_the_final_seal_forgets_what_that_seal_stores()
    {
        HoldingRecordingOutbox? holding = null;
        var faults = new ApplianceFaultInjection { RecordingOutbox = outbox => holding = new HoldingRecordingOutbox(outbox) };
        var reports = new List<string>();
        long pressedNotBefore;
        RecorderStatistics statistics;
        DevicePublicKey devicePublicKey;
        await using (Appliance appliance = Appliance.Start(Configuration(VideoSourceKind.None), new SimulatedHardware(new ApplianceSimulation { Seed = 11 }), null, null, Report(reports), faults, notifier: null))
        {
            devicePublicKey = appliance.DevicePublicKey;
            await KeysRecordedAsync(appliance);

            // No segment is due for a minute: the append the hold catches is the stop's final seal.
            holding!.HoldNextAppend();
            Task stopping = appliance.StopAsync().AsTask();
            await holding.AppendHeld.WaitAsync(Patience);
            Assert.False(stopping.IsCompleted);

            // The disk stays slow for a while (an SD card's fsync can take seconds): the box must still take the press.
            await Task.Delay(SlowDisk);
            pressedNotBefore = await PressForgetAsync(appliance);
            holding.Release();
            await stopping.WaitAsync(Patience);
            statistics = appliance.Recorder.GetStatistics();
        }

        Assert.True(statistics.SegmentsSealed >= 1 && statistics.KeyRecords > 0, $"{statistics}");
        AssertCarriedOutWhileStopping(reports);
        AssertNothingRecordedBefore(pressedNotBefore, devicePublicKey);
    }

    [Fact]
    public async Task A_press_after_the_recorder_stopped_while_capture_still_stops_is_carried_out()
    {
        StopHoldingFrameSource? source = null;
        var faults = new ApplianceFaultInjection { FrameSource = inner => source = new StopHoldingFrameSource(inner) };
        var reports = new List<string>();
        long pressedNotBefore;
        RecorderStatistics statistics;
        DevicePublicKey devicePublicKey;
        await using (Appliance appliance = Appliance.Start(Configuration(VideoSourceKind.Simulated), new SimulatedHardware(new ApplianceSimulation { Seed = 12 }), null, null, Report(reports), faults, notifier: null))
        {
            devicePublicKey = appliance.DevicePublicKey;
            await KeysRecordedAsync(appliance);
            Task stopping = appliance.StopAsync().AsTask();

            // Capture stops after the recorder: by now the recorder has sealed, and carried out what was queued then.
            await source!.Stopping.WaitAsync(Patience);
            Assert.False(stopping.IsCompleted);
            statistics = appliance.Recorder.GetStatistics();
            Assert.Equal(RecorderState.Stopped, statistics.State);

            pressedNotBefore = await PressForgetAsync(appliance);
            source.Release();
            await stopping.WaitAsync(Patience);
        }

        Assert.True(statistics.SegmentsSealed >= 1 && statistics.KeyRecords > 0, $"{statistics}");
        AssertCarriedOutWhileStopping(reports);
        AssertNothingRecordedBefore(pressedNotBefore, devicePublicKey);
    }

    private static Action<string> Report(List<string> reports) => line =>
    {
        lock (reports)
        {
            reports.Add(line);
        }
    };

    private static void AssertCarriedOutWhileStopping(List<string> reports)
    {
        lock (reports)
        {
            Assert.Contains(reports, line => line.StartsWith("forget button (while stopping): ", StringComparison.Ordinal) && !line.StartsWith("forget button (while stopping): 0 segment(s)", StringComparison.Ordinal));
        }
    }

    private ApplianceConfiguration Configuration(VideoSourceKind video) => new()
    {
        DeviceId = "forget-stop-box",
        DataDirectory = Path.Combine(_directory.FullName, "box"),
        Recipients = [_custodian.Recipient],
        SegmentSeconds = 60,
        VideoSource = video,
    };

    private static async Task KeysRecordedAsync(Appliance appliance)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (appliance.Recorder.GetStatistics().KeyRecords < 20)
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>The button line held pressed until the button has accepted the press (past its debounce), then released.</summary>
    /// <returns>A moment at or before the press's edge: everything recorded up to it lies in the forget window.</returns>
    private static async Task<long> PressForgetAsync(Appliance appliance)
    {
        ForgetButton button = appliance.Privacy.ForgetButton!;
        long accepted = button.AcceptedPresses;
        long pressedNotBefore = MonotonicClock.System.NowNanoseconds;
        appliance.SimulatedGpio!.SetExternalLevel(SimulatedHardware.ButtonLine, PinValue.Low);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (button.AcceptedPresses == accepted)
        {
            // Taken by the debounce timer on the thread pool: a pool starved by the stop (or a slow seal) never takes it.
            Assert.True(waited.Elapsed < PressAccepted, $"the forget button did not take the press within {PressAccepted.TotalSeconds} s (thread pool: {ThreadPool.ThreadCount} threads, {ThreadPool.PendingWorkItemCount} work items waiting)");
            await Task.Delay(10);
        }

        appliance.SimulatedGpio.SetExternalLevel(SimulatedHardware.ButtonLine, PinValue.High);
        return pressedNotBefore;
    }

    private void AssertNothingRecordedBefore(long pressedNotBefore, DevicePublicKey devicePublicKey)
    {
        var inWindow = new List<SegmentRecord>();
        using var outbox = SegmentOutbox.Open(Path.Combine(_directory.FullName, "box", "outbox.db"), new OutboxOptions(), NullLogger<SegmentOutbox>.Instance, TimeProvider.System);
        VerificationReport report = SegmentChainVerifier.Verify(outbox, devicePublicKey, [_custodian], (_, contents) =>
            inWindow.AddRange(contents.Records.Where(record => record is KeyRecord or MouseRecord or FrameRecord && record.MonotonicNanoseconds <= pressedNotBefore)));
        Assert.True(report.IsValid, string.Join("\n", report.Errors.Select(error => $"{error.Problem}: {error.Message}")));
        Assert.Empty(inWindow);
    }

    /// <summary>The outbox on a disk that stalls: once armed, the next append waits until released (as a slow SD card's fsync does).</summary>
    private sealed class HoldingRecordingOutbox(IRecordingOutbox inner) : IRecordingOutbox, IDisposable
    {
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _released = new(initialState: false);
        private int _armed;

        public Task AppendHeld => _held.Task;

        public bool IsStorageFull => inner.IsStorageFull;

        public bool IsForgetComplete => inner.IsForgetComplete;

        public void HoldNextAppend() => Volatile.Write(ref _armed, 1);

        public void Release() => _released.Set();

        public AppendResult AppendSealedSegment(SealedSegmentRecord segment)
        {
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                _held.TrySetResult();
                Assert.True(_released.Wait(Patience), "the held append was never released");
            }

            return inner.AppendSealedSegment(segment);
        }

        public ForgetResult Forget(ForgetRange range) => inner.Forget(range);

        public bool RetryForgetCheckpoint() => inner.RetryForgetCheckpoint();

        public IReadOnlyList<SegmentKey> GetSegmentsAwaitingRetraction() => inner.GetSegmentsAwaitingRetraction();

        public long QueueRetraction(ReadOnlyMemory<byte> signedDocument, IReadOnlyCollection<SegmentKey> retractedSegments) => inner.QueueRetraction(signedDocument, retractedSegments);

        public void Dispose() => _released.Dispose();
    }

    /// <summary>A capture device slow to stop (a wedged bridge's STREAMOFF): once its run is cancelled it returns only when released.</summary>
    private sealed class StopHoldingFrameSource(IFrameSource inner) : IFrameSource
    {
        private readonly TaskCompletionSource _stopping = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _released = new(initialState: false);

        public Task Stopping => _stopping.Task;

        public string Description => inner.Description;

        public void Release() => _released.Set();

        public void Run(RawFramePool pool, IFrameSink sink, CancellationToken cancellationToken)
        {
            try
            {
                inner.Run(pool, sink, cancellationToken);
            }
            finally
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    _stopping.TrySetResult();
                    // Not the run's token (it is cancelled already): this is the device taking its time to stop.
                    _released.Wait(Patience, CancellationToken.None);
                }
            }
        }

        public void Dispose()
        {
            inner.Dispose();
            _released.Dispose();
        }
    }
}
