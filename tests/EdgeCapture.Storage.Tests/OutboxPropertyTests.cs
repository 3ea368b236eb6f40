using FsCheck;
using FsCheck.Fluent;
using Microsoft.Data.Sqlite;

namespace EdgeCapture.Storage.Tests;

/// <summary>
/// Random sequences of appends, upload marks, forgets and reopens against a simple model: stored bytes always equal the sum of
/// the segments held, the quota decision matches the model, states match, and no segment forgotten while pending comes back.
/// </summary>
public sealed class OutboxPropertyTests
{
    private const long Quota = 40_000;
    private static readonly Guid[] Sessions = [Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid()];

    private enum Mark
    {
        Uploading,
        Uploaded,
        Acknowledged,
        ReturnToPending,
    }

    private abstract record Operation;

    private sealed record Append(int Session, int CiphertextLength, int StartSecond, int DurationSeconds) : Operation;

    private sealed record MarkSegment(Mark Kind, int Pick) : Operation;

    private sealed record Forget(int FromSecond, int LengthSeconds) : Operation;

    private sealed record Reopen : Operation;

    private sealed class ModelSegment(long bytes, UploadState state, DateTimeOffset start, DateTimeOffset end)
    {
        public long Bytes { get; } = bytes;

        public UploadState State { get; set; } = state;

        public DateTimeOffset Start { get; } = start;

        public DateTimeOffset End { get; } = end;
    }

    [Fact]
    public void Random_operation_sequences_keep_the_outbox_invariants()
    {
        Gen<Operation> append =
            from session in Gen.Choose(0, Sessions.Length - 1)
            from length in Gen.Choose(1, 6_000)
            from start in Gen.Choose(0, 300)
            from duration in Gen.Choose(0, 10)
            select (Operation)new Append(session, length, start, duration);
        Gen<Operation> mark =
            from kind in Gen.Elements(Mark.Uploading, Mark.Uploaded, Mark.Acknowledged, Mark.ReturnToPending)
            from pick in Gen.Choose(0, 60)
            select (Operation)new MarkSegment(kind, pick);
        Gen<Operation> forget =
            from windowStart in Gen.Choose(-5, 300)
            from length in Gen.Choose(0, 40)
            select (Operation)new Forget(windowStart, length);
        Gen<Operation> operation = Gen.Frequency((6, append), (6, mark), (2, forget), (1, Gen.Constant((Operation)new Reopen())));
        Arbitrary<Operation[]> sequences = Gen.ArrayOf(operation).Resize(60).ToArbitrary();

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(30), Prop.ForAll(sequences, (Operation[] operations) => Run(operations)));
    }

    private static void Run(Operation[] operations)
    {
        using var directory = new OutboxDirectory();
        var options = new OutboxOptions { QuotaBytes = Quota, IncrementalVacuumThresholdBytes = 0 };
        SegmentOutbox outbox = directory.Open(options);
        try
        {
            var model = new Dictionary<SegmentKey, ModelSegment>();
            var order = new List<SegmentKey>();
            var forgottenPending = new HashSet<SegmentKey>();
            int[] nextIndex = new int[Sessions.Length];

            foreach (Operation operation in operations)
            {
                switch (operation)
                {
                    case Append(int session, int length, int start, int duration):
                        var key = new SegmentKey(Sessions[session], nextIndex[session]);
                        SealedSegmentRecord record = Segments.Create(key, ciphertextLength: length, manifestLength: 100,
                            wallStart: Segments.Epoch.AddSeconds(start), duration: TimeSpan.FromSeconds(duration));
                        long bytes = length + 100;
                        bool fits = HeldBytes(model) + bytes <= Quota;
                        AppendResult result = outbox.AppendSealedSegment(record);
                        Assert.Equal(fits ? AppendResult.Stored : AppendResult.StorageFull, result);
                        Assert.Equal(!fits, outbox.IsStorageFull);
                        if (fits)
                        {
                            model[key] = new ModelSegment(bytes, UploadState.Pending, record.WallClockStartUtc, record.WallClockEndUtc);
                            order.Add(key);
                            nextIndex[session]++;
                        }

                        break;

                    case MarkSegment(Mark kind, int pick) when order.Count > 0:
                        SegmentKey target = order[pick % order.Count];
                        ApplyMark(outbox, model, target, kind);
                        break;

                    case Forget(int fromSecond, int lengthSeconds):
                        DateTimeOffset from = Segments.Epoch.AddSeconds(fromSecond);
                        DateTimeOffset to = from.AddSeconds(lengthSeconds);
                        var overlapping = model.Where(pair => pair.Value.Start < to && pair.Value.End > from).ToList();
                        ForgetResult forgotten = outbox.ForgetWindow(from, to);
                        Assert.Equal(
                            overlapping.Where(pair => pair.Value.State == UploadState.Pending).Select(pair => pair.Key).ToHashSet(),
                            forgotten.DeletedBeforeUpload.ToHashSet());
                        Assert.Equal(
                            overlapping.Where(pair => pair.Value.State != UploadState.Pending).Select(pair => pair.Key).ToHashSet(),
                            forgotten.RequireRetraction.ToHashSet());
                        foreach (KeyValuePair<SegmentKey, ModelSegment> pair in overlapping)
                        {
                            model.Remove(pair.Key);
                            order.Remove(pair.Key);
                            if (pair.Value.State == UploadState.Pending)
                            {
                                forgottenPending.Add(pair.Key);
                            }
                        }

                        break;

                    case Reopen:
                        outbox.Dispose();
                        outbox = directory.Open(options);
                        Assert.Null(outbox.StartupRecovery);
                        foreach (ModelSegment segment in model.Values.Where(segment => segment.State is UploadState.Uploading or UploadState.Uploaded))
                        {
                            segment.State = UploadState.Pending;
                        }

                        break;
                }

                Assert.Equal(HeldBytes(model), outbox.StoredBytes);
            }

            Assert.Equal(HeldBytes(model), SumInDatabase(outbox.DatabasePath));
            foreach ((SegmentKey key, ModelSegment segment) in model)
            {
                Assert.Equal(segment.State, outbox.GetSegment(key)?.State);
                Assert.Equal(segment.State != UploadState.Acknowledged, outbox.TryOpenCiphertext(key, out Stream? stream));
                stream?.Dispose();
            }

            foreach (SegmentKey key in forgottenPending)
            {
                Assert.Null(outbox.GetSegment(key));
                Assert.False(outbox.TryOpenCiphertext(key, out _));
            }

            Assert.DoesNotContain(outbox.GetPendingUploads(int.MaxValue), segment => forgottenPending.Contains(segment.Key));
        }
        finally
        {
            outbox.Dispose();
        }
    }

    private static void ApplyMark(SegmentOutbox outbox, Dictionary<SegmentKey, ModelSegment> model, SegmentKey key, Mark kind)
    {
        ModelSegment segment = model[key];
        (bool changed, UploadState next) = (kind, segment.State) switch
        {
            (Mark.Uploading, UploadState.Pending) => (true, UploadState.Uploading),
            (Mark.Uploading, UploadState.Uploading) => (true, UploadState.Uploading),
            (Mark.Uploaded, UploadState.Pending or UploadState.Uploading or UploadState.Uploaded) => (true, UploadState.Uploaded),
            (Mark.Acknowledged, UploadState.Pending or UploadState.Uploading or UploadState.Uploaded) => (true, UploadState.Acknowledged),
            (Mark.ReturnToPending, UploadState.Uploading or UploadState.Uploaded or UploadState.Pending) => (true, UploadState.Pending),
            _ => (false, segment.State),
        };
        bool reported = kind switch
        {
            Mark.Uploading => outbox.MarkUploading(key),
            Mark.Uploaded => outbox.MarkUploaded(key),
            Mark.Acknowledged => outbox.MarkAcknowledged(key),
            _ => outbox.ReturnToPending(key),
        };
        Assert.Equal(changed, reported);
        segment.State = next;
    }

    private static long HeldBytes(Dictionary<SegmentKey, ModelSegment> model) =>
        model.Values.Where(segment => segment.State != UploadState.Acknowledged).Sum(segment => segment.Bytes);

    private static long SumInDatabase(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(sum(length(p.ciphertext) + length(p.manifest)), 0) FROM segment_payloads p;";
        return (long)command.ExecuteScalar()!;
    }
}
