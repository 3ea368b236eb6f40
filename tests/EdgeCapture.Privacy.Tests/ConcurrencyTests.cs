namespace EdgeCapture.Privacy.Tests;

/// <summary>
/// Edges delivered on another thread (as the driver's event thread does) while the test thread reads the switch and a
/// reader queries the gate: no deadlock, no exception, the LED ordering holds, and the final state follows the switch.
/// </summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Edges_on_another_thread_interleaved_with_polls_keep_the_gate_and_led_consistent()
    {
        using var rig = new PrivacyRig();
        using var burstRequested = new SemaphoreSlim(0);
        using var burstDone = new SemaphoreSlim(0);
        using var stop = new CancellationTokenSource();
        const int Phases = 30;
        int publicFinals = 0;
        bool lastBurstEndedPublic = false;

        Task toggler = Task.Factory.StartNew(() =>
        {
            var random = new Random(20240611);
            for (int phase = 0; phase < Phases; phase++)
            {
                burstRequested.Wait();
                int flips = random.Next(1, 200);
                bool isPublic = false;
                for (int flip = 0; flip < flips; flip++)
                {
                    isPublic = random.Next(2) == 0;
                    if (isPublic)
                    {
                        rig.SwitchPublic();
                    }
                    else
                    {
                        rig.SwitchPrivate();
                    }

                    Thread.SpinWait(random.Next(10, 500));
                }

                if (isPublic)
                {
                    publicFinals++;
                }

                lastBurstEndedPublic = isPublic;
                burstDone.Release();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        long queries = 0;
        Task reader = Task.Factory.StartNew(() =>
        {
            // Never reads the fake clock: FakeTimeProvider runs due timer callbacks on whichever thread reads it.
            long instant = 0;
            while (!stop.IsCancellationRequested)
            {
                instant = (instant + 777_777) % 2_000_000_000;
                rig.Timeline.Decide(instant);
                _ = rig.Timeline.ConfirmedPublicUntil;
                Interlocked.Increment(ref queries);
                Thread.Yield();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        for (int phase = 0; phase < Phases; phase++)
        {
            burstRequested.Release();

            // While the burst's edges arrive on the toggler thread, this thread reads the switch too (Refresh, as
            // the recorder may). Fake time stands still meanwhile: FakeTimeProvider runs due timer callbacks on
            // whichever thread reads or advances it, so it is only touched under the monitor's lock or when idle.
            while (!burstDone.Wait(0))
            {
                rig.Hardware.Refresh();
                Thread.Yield();
            }

            rig.Advance(60); // then the switch rests: a public rest opens the gate, a private one keeps it shut
            Assert.True(
                lastBurstEndedPublic == rig.Timeline.IsPublic,
                $"phase {phase}: switch ended {(lastBurstEndedPublic ? "public" : "private")}, gate {rig.Timeline.Status} at {rig.Now}\n{string.Join('\n', rig.Log.TakeLast(12))}");
            rig.Advance(1);
        }

        stop.Cancel();
        await Task.WhenAll(toggler, reader);

        IReadOnlyList<string> log = rig.Log;
        LedOrdering.AssertLitWheneverGateOpen(log);
        Assert.True(publicFinals > 0);
        Assert.Contains("gate Public None", log);
        Assert.True(Interlocked.Read(ref queries) > 0);

        rig.SwitchPrivate();
        Assert.False(rig.Timeline.IsPublic);
        Assert.False(rig.Timeline.IsRecordable(rig.Now));
        rig.SwitchPublic();
        rig.Advance(50);
        Assert.True(rig.Timeline.IsPublic);
    }
}
