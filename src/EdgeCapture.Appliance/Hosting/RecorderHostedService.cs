using System.Globalization;
using System.Threading.Channels;
using EdgeCapture.Input;
using EdgeCapture.Privacy;
using EdgeCapture.Privacy.Gates;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Relay;
using EdgeCapture.Video;
using EdgeCapture.Video.Sampling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Appliance.Hosting;

/// <summary>
/// The recorder and what feeds it: an input pump on the recorder's side of the relay's tap (each relayed click, key press
/// and wheel step becomes an action for the capture stage's sampler; every event goes on, in order, to the recorder), the
/// forget button, and the host's transitions that start lock-screen suppression. The recorder runs supervised: a fault is
/// reported and a fresh recorder (a new session, lock-screen suppression on again) starts after a backoff.
/// </summary>
/// <remarks>
/// The relay never waits on it: the pump reads the tap, and when the recorder falls behind the pump's channel fills, the
/// pump waits, the tap fills and refuses (counted), never the relay. On stop, presses queued on the forget button are
/// carried out, the pump moves what the tap holds on and completes, the recorder seals its last segment, and presses that
/// came in between are carried out too (the outbox is still open then, so nothing the employee asked to forget survives).
/// Presses made later, while capture, upload and storage stop, are carried out once the button is released
/// (<see cref="PrivacyHostedService"/>).
/// </remarks>
internal sealed partial class RecorderHostedService(ApplianceParts parts, ApplianceFaultInjection faults) : IHostedService, IDisposable
{
    /// <summary>Events between the input pump and the recorder; the tap in front holds the rest.</summary>
    private const int RecorderInputCapacity = 4096;

    private readonly CancellationTokenSource _pumpStop = new();
    private readonly CancellationTokenSource _recorderStop = new();
    private readonly CancellationTokenSource _forwardersStop = new();
    private readonly InputActionDetector _actionDetector = new();
    private readonly List<Recorder> _retired = [];
    private Task _pump = Task.CompletedTask;
    private Task _recording = Task.CompletedTask;
    private Task _forwarders = Task.CompletedTask;
    private long _inputActionsDetected;

    /// <summary>Input actions detected in the relayed input and given to the capture stage; 0 without screen capture.</summary>
    public long InputActionsDetected => Interlocked.Read(ref _inputActionsDetected);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        ApplianceConfiguration configuration = parts.Configuration;
        CaptureStage? capture = parts.Capture;
        var options = new RecorderOptions
        {
            DeviceId = configuration.DeviceId,
            SegmentMaximumDuration = TimeSpan.FromSeconds(configuration.SegmentSeconds),
            Screen = capture is null ? null : Hardware.ApplianceFrameSources.NominalScreen(configuration),
            LockScreen = new LockScreenOptions { Chords = configuration.LockScreenChords, Triggers = configuration.LockScreenTriggers },
        };
        // The fleet's remote stop is ANDed in: it can only refuse what the switch allows ("The switch wins").
        var switchGate = new PrivacyTimelineGate(parts.Privacy!.Timeline);
        IPrivacyGate gate = parts.Fleet is null ? switchGate : parts.Fleet.Restrict(switchGate);
        parts.Recorder = NewRecorder(options, gate);

        var recorderInput = Channel.CreateBounded<InputTapEvent>(new BoundedChannelOptions(RecorderInputCapacity)
        {
            // Wait: the pump never drops; while it waits the tap fills and refuses (counted), never the relay.
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = true,
            SingleReader = false,
            AllowSynchronousContinuations = false,
        });
        _pump = Task.Run(() => PumpInputAsync(parts.Tap.Reader, recorderInput.Writer, capture, _pumpStop.Token), CancellationToken.None);
        ILogger logger = parts.LoggerFactory.CreateLogger<RecorderHostedService>();
        int run = 0;
        _recording = PartSupervisor.RunAsync(
            "recorder",
            async stop =>
            {
                int attempt = run++;
                if (attempt > 0)
                {
                    // A restart after a fault: a fresh recorder, a new session.
                    _retired.Add(parts.Recorder!);
                    parts.Recorder = NewRecorder(options, gate);
                }

                faults.RecorderRun?.Invoke(attempt);
                await parts.Recorder!.RunAsync(recorderInput.Reader, capture?.Records, () => parts.Tap.DroppedEventCount, stop).ConfigureAwait(false);
            },
            parts.Health,
            parts.Time,
            logger,
            parts.Report,
            _recorderStop.Token);

        _forwarders = Task.WhenAll(
            ForwardForgetRequestsAsync(parts.Privacy, _forwardersStop.Token),
            parts.Relay?.HostTransitions is { } transitions ? ForwardHostTransitionsAsync(transitions, _forwardersStop.Token) : Task.CompletedTask);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _forwardersStop.CancelAsync().ConfigureAwait(false);
        await _forwarders.ConfigureAwait(false);
        QueuedForgetPresses.CarryOut(parts);
        await _pumpStop.CancelAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(false);
        await _recorderStop.CancelAsync().ConfigureAwait(false);
        await _recording.ConfigureAwait(false);
        QueuedForgetPresses.CarryOut(parts);
    }

    public void Dispose()
    {
        foreach (Recorder recorder in _retired)
        {
            recorder.Dispose();
        }

        _pumpStop.Dispose();
        _recorderStop.Dispose();
        _forwardersStop.Dispose();
    }

    private Recorder NewRecorder(RecorderOptions options, IPrivacyGate gate)
    {
        var recorder = new Recorder(options, gate, parts.Sink!, parts.Clock, parts.LoggerFactory.CreateLogger<Recorder>(), parts.OnSegmentSealed);
        if (parts.Hardware.IsLockScreenLikelyAtStart(parts.Configuration))
        {
            // The laptop behind a box that just started (or whose recorder restarted) may show a lock screen: its password is not recorded.
            recorder.StartLockScreenSuppression(LockScreenTrigger.ApplianceStarted);
        }

        return recorder;
    }

    /// <summary>
    /// Reads the tap: each event that starts an action is reported to the capture stage (never blocks), then every event
    /// goes on to the recorder in tap order. When stopped it moves on what the tap holds and completes the recorder's input.
    /// </summary>
    private async Task PumpInputAsync(ChannelReader<InputTapEvent> tap, ChannelWriter<InputTapEvent> recorderInput, CaptureStage? capture, CancellationToken stop)
    {
        try
        {
            while (await tap.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                while (tap.TryRead(out InputTapEvent inputEvent))
                {
                    await ForwardAsync(inputEvent, recorderInput, capture, stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping: what the tap holds now still reaches the recorder, which is reading until its input completes.
            while (tap.TryRead(out InputTapEvent inputEvent))
            {
                await ForwardAsync(inputEvent, recorderInput, capture, CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            recorderInput.TryComplete();
        }
    }

    private async ValueTask ForwardAsync(InputTapEvent inputEvent, ChannelWriter<InputTapEvent> recorderInput, CaptureStage? capture, CancellationToken cancellationToken)
    {
        if (capture is not null && _actionDetector.TryDetect(inputEvent, out InputAction action))
        {
            capture.NotifyAction(action);
            Interlocked.Increment(ref _inputActionsDetected);
        }

        if (!recorderInput.TryWrite(inputEvent))
        {
            await recorderInput.WriteAsync(inputEvent, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Host resumed or re-enumerated (seen by the relay's writer, published without waiting) starts lock-screen suppression.</summary>
    private async Task ForwardHostTransitionsAsync(ChannelReader<HostTransition> transitions, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (HostTransition transition in transitions.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                switch (transition.Kind)
                {
                    case HostTransitionKind.Resumed:
                        parts.Recorder!.StartLockScreenSuppression(LockScreenTrigger.HostResumed);
                        break;
                    case HostTransitionKind.Reenumerated:
                        parts.Recorder!.StartLockScreenSuppression(LockScreenTrigger.GadgetReenumerated);
                        break;
                    default:
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task ForwardForgetRequestsAsync(PrivacyHardware hardware, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (ForgetRequest request in hardware.ForgetRequests.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                ForgetOutcome outcome = parts.Recorder!.RequestForget(request);
                parts.Report(string.Create(CultureInfo.InvariantCulture, $"forget button: {outcome.Deleted} segment(s) deleted, {outcome.Retracted} retracted"));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
