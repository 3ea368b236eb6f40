using System.Diagnostics;
using System.Globalization;
using EdgeCapture.Collector.Index;
using EdgeCapture.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Cli.Commands;

/// <summary>One box's segments at the end: sealed on the box, stored at the collector, retracted, forgotten before upload, left on the box.</summary>
internal sealed record DemoBoxSegments(string DeviceId, int Sealed, int Stored, int Retracted, int ForgottenOnBox, int Unaccounted, int Unknown, int LeftInOutbox, long CiphertextBytesStored);

/// <summary>
/// "Exactly once" at the end of the demo: every segment a box sealed is stored at the collector once, or was discarded by the
/// forget press (deleted on the box before upload, or retracted at the collector), and the box's outbox is empty. Also the
/// numbers the summary gives: bytes per minute and each segment's upload latency, sealed on the box to stored at the collector.
/// </summary>
internal static class DemoAccounting
{
    /// <summary>How long after the forget button goes down its press is carried out (debounce, then the recorder): segments started within it are discarded too.</summary>
    private static readonly long ForgetProcessingNanoseconds = 1_000_000_000;

    /// <summary>Counts one box's segments (the box is stopped and drained; its outbox is opened to check it is empty).</summary>
    public static DemoBoxSegments Count(DemoBox box, ICollectorIndex index)
    {
        var stored = index.ListSegments(box.DeviceId).ToDictionary(segment => (segment.Segment.SessionId, segment.Segment.SegmentIndex));
        var retracted = index.ListDeletions(100_000).Where(deletion => deletion.DeviceId == box.DeviceId && deletion.RetractionId is not null)
            .Select(deletion => (deletion.Segment.SessionId, deletion.Segment.SegmentIndex)).ToHashSet();
        var sealedSegments = box.Sealed.ToDictionary(segment => (segment.SessionId, segment.SegmentIndex));
        int forgottenOnBox = 0;
        int unaccounted = 0;
        foreach (SealedSegment segment in sealedSegments.Values)
        {
            var key = (segment.SessionId, segment.SegmentIndex);
            if (stored.ContainsKey(key) || retracted.Contains(key))
            {
                continue;
            }

            // Not at the collector: only the forget press may have removed it, and only what it covered.
            if (box.ForgetPressedAt is { } pressed && segment.MonotonicStart <= pressed + ForgetProcessingNanoseconds)
            {
                forgottenOnBox++;
            }
            else
            {
                unaccounted++;
            }
        }

        int unknown = stored.Keys.Count(key => !sealedSegments.ContainsKey(key)) + retracted.Count(key => !sealedSegments.ContainsKey(key));
        int left;
        using (SegmentOutbox outbox = SegmentOutbox.Open(Path.Combine(box.Directory, "outbox.db"), new OutboxOptions(), NullLogger<SegmentOutbox>.Instance, TimeProvider.System))
        {
            OutboxStatistics statistics = outbox.GetStatistics();
            left = statistics.PendingSegments + statistics.UploadingSegments + statistics.UploadedSegments + statistics.RejectedSegments + statistics.PendingRetractions;
        }

        long bytes = stored.Values.Sum(segment => segment.CiphertextLength);
        return new DemoBoxSegments(box.DeviceId, sealedSegments.Count, stored.Count, retracted.Count, forgottenOnBox, unaccounted, unknown, left, bytes);
    }

    /// <summary>The segment proof over all boxes.</summary>
    public static DemoProof SegmentsProof(IReadOnlyList<DemoBoxSegments> boxes, long storedTwice)
    {
        int sealedTotal = boxes.Sum(box => box.Sealed);
        bool passed = sealedTotal > 0 && storedTwice == 0 && boxes.All(box => box.Unaccounted == 0 && box.Unknown == 0 && box.LeftInOutbox == 0);
        string detail = string.Create(CultureInfo.InvariantCulture,
            $"{sealedTotal} sealed = {boxes.Sum(box => box.Stored)} stored once + {boxes.Sum(box => box.Retracted)} retracted + {boxes.Sum(box => box.ForgottenOnBox)} forgotten before upload; "
            + $"lost {boxes.Sum(box => box.Unaccounted)}, stored twice {storedTwice}, unknown at the collector {boxes.Sum(box => box.Unknown)}, left in the boxes' outboxes {boxes.Sum(box => box.LeftInOutbox)}");
        return new DemoProof("segments sealed, uploaded, stored (none lost or duplicated)", passed, detail);
    }

    /// <summary>Upload latency, sealed on the box to stored at the collector, over every stored segment: median, 95th percentile, maximum (ms).</summary>
    public static (int Count, double Median, double P95, double Maximum) Latency(IReadOnlyList<DemoBox> boxes, DemoCollector collector)
    {
        var latencies = new List<double>();
        foreach (DemoBox box in boxes)
        {
            foreach (SealedSegment segment in box.Sealed)
            {
                if (collector.TryGetStoredAt(box.DeviceId, segment.SessionId, segment.SegmentIndex, out long storedAt))
                {
                    latencies.Add(Stopwatch.GetElapsedTime(segment.SealedTimestamp, storedAt).TotalMilliseconds);
                }
            }
        }

        if (latencies.Count == 0)
        {
            return (0, 0, 0, 0);
        }

        latencies.Sort();
        double Percentile(double fraction) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(fraction * latencies.Count) - 1)];
        return (latencies.Count, Percentile(0.5), Percentile(0.95), latencies[^1]);
    }
}
