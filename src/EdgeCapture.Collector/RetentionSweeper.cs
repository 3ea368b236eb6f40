using EdgeCapture.Collector.Index;
using EdgeCapture.Collector.Storage;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Collector;

/// <summary>
/// Enforces retention: deletes stored segments older than <see cref="CollectorOptions.RetentionDays"/> (by when the
/// collector stored them), then the oldest ones while the store exceeds <see cref="CollectorOptions.QuotaBytes"/>; removes
/// staged parts whose commit never came within <see cref="CollectorOptions.StagingExpiry"/>. Every deletion of a stored
/// segment is recorded in the audit table (reason <c>retention-age</c> or <c>retention-quota</c>) before its blob goes.
/// </summary>
public sealed partial class RetentionSweeper(CollectorStore store, TimeProvider time, ILogger logger)
{
    private const int Batch = 256;

    /// <summary>Runs one sweep.</summary>
    /// <returns>What was deleted.</returns>
    public RetentionResult Sweep()
    {
        DateTimeOffset now = time.GetUtcNow();
        CollectorOptions options = store.Options;
        int byAge = 0;
        int byQuota = 0;
        long bytes = 0;
        if (options.RetentionDays > 0)
        {
            DateTimeOffset cutoff = now - TimeSpan.FromDays(options.RetentionDays);
            bool more = true;
            while (more)
            {
                IReadOnlyList<StoredSegment> oldest = store.Index.OldestSegments(Batch);
                more = oldest.Count == Batch;
                foreach (StoredSegment segment in oldest)
                {
                    if (segment.StoredUtc >= cutoff)
                    {
                        more = false;
                        break;
                    }

                    bytes += Delete(segment, "retention-age", now);
                    byAge++;
                }
            }
        }

        if (options.QuotaBytes > 0)
        {
            long total = store.Index.GetTotals().Bytes;
            while (total > options.QuotaBytes)
            {
                IReadOnlyList<StoredSegment> oldest = store.Index.OldestSegments(Batch);
                if (oldest.Count == 0)
                {
                    break;
                }

                foreach (StoredSegment segment in oldest)
                {
                    if (total <= options.QuotaBytes)
                    {
                        break;
                    }

                    long deleted = Delete(segment, "retention-quota", now);
                    total -= deleted;
                    bytes += deleted;
                    byQuota++;
                }
            }
        }

        int staged = 0;
        foreach (StagedSegmentSummary summary in store.Staging.ListSegments())
        {
            if (summary.LastWriteUtc < now - options.StagingExpiry)
            {
                store.Staging.Remove(summary.Segment);
                staged++;
            }
        }

        if (store.Blobs is FileSystemBlobStore files)
        {
            files.RemoveAbandonedTemporaries(now - TimeSpan.FromHours(1));
        }

        if (byAge + byQuota + staged > 0)
        {
            LogSwept(logger, byAge, byQuota, bytes, staged);
        }

        return new RetentionResult(byAge, byQuota, bytes, staged);
    }

    private long Delete(StoredSegment segment, string reason, DateTimeOffset now)
    {
        if (store.Index.DeleteSegment(segment.Segment, reason, now) is not { } deleted)
        {
            return 0;
        }

        if (!store.Index.IsBlobReferenced(deleted.Address))
        {
            store.Blobs.Delete(deleted.Address);
        }

        return deleted.CiphertextLength;
    }

    [LoggerMessage(EventId = 5300, Level = LogLevel.Information, Message = "Retention: deleted {ByAge} segments by age and {ByQuota} by quota ({Bytes} bytes), {Staged} abandoned staged segments")]
    private static partial void LogSwept(ILogger logger, int byAge, int byQuota, long bytes, int staged);
}

/// <summary>What one retention sweep deleted.</summary>
/// <param name="DeletedByAge">Stored segments older than the retention period.</param>
/// <param name="DeletedByQuota">Stored segments deleted to fit the quota.</param>
/// <param name="BytesDeleted">Their ciphertext bytes.</param>
/// <param name="StagedSegmentsExpired">Staged segments whose commit never came.</param>
public sealed record RetentionResult(int DeletedByAge, int DeletedByQuota, long BytesDeleted, int StagedSegmentsExpired);
