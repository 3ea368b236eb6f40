namespace EdgeCapture.Transport;

/// <summary>Counters of one uploader since it started (for status reports and tests).</summary>
public sealed class UploaderStatistics
{
    private long _segmentsStored;
    private long _segmentsRejected;
    private long _partsSent;
    private long _bytesSent;
    private long _commitsSent;
    private long _retractionsDelivered;
    private long _retractionsRejected;
    private long _malformedAnswers;
    private long _unverifiedAnswers;
    private long _mismatchedAnswers;
    private long _answerTimeouts;
    private string? _lastRejection;

    /// <summary>Segments confirmed by a verified <c>stored</c> and removed from the outbox.</summary>
    public long SegmentsStored => Interlocked.Read(ref _segmentsStored);

    /// <summary>Segments the collector rejected (kept in the outbox, marked rejected).</summary>
    public long SegmentsRejected => Interlocked.Read(ref _segmentsRejected);

    /// <summary>Part messages the broker acknowledged.</summary>
    public long PartsSent => Interlocked.Read(ref _partsSent);

    /// <summary>Ciphertext bytes in acknowledged parts.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Commit messages the broker acknowledged.</summary>
    public long CommitsSent => Interlocked.Read(ref _commitsSent);

    /// <summary>Retractions confirmed by a verified answer.</summary>
    public long RetractionsDelivered => Interlocked.Read(ref _retractionsDelivered);

    /// <summary>Retractions the collector refused.</summary>
    public long RetractionsRejected => Interlocked.Read(ref _retractionsRejected);

    /// <summary>Answers dropped because they did not decode.</summary>
    public long MalformedAnswers => Interlocked.Read(ref _malformedAnswers);

    /// <summary>Answers dropped because the collector's key did not sign them (forged or for another collector).</summary>
    public long UnverifiedAnswers => Interlocked.Read(ref _unverifiedAnswers);

    /// <summary>Signed answers dropped because they named another device, segment or digest than the request.</summary>
    public long MismatchedAnswers => Interlocked.Read(ref _mismatchedAnswers);

    /// <summary>Commits or retractions that got no answer in time.</summary>
    public long AnswerTimeouts => Interlocked.Read(ref _answerTimeouts);

    /// <summary>The last rejection: segment or retraction and reason.</summary>
    public string? LastRejection => Volatile.Read(ref _lastRejection);

    internal void SegmentStored() => Interlocked.Increment(ref _segmentsStored);

    internal void SegmentRejected(string description)
    {
        Interlocked.Increment(ref _segmentsRejected);
        Volatile.Write(ref _lastRejection, description);
    }

    internal void PartSent(int bytes)
    {
        Interlocked.Increment(ref _partsSent);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    internal void CommitSent() => Interlocked.Increment(ref _commitsSent);

    internal void RetractionDelivered() => Interlocked.Increment(ref _retractionsDelivered);

    internal void RetractionRejected(string description)
    {
        Interlocked.Increment(ref _retractionsRejected);
        Volatile.Write(ref _lastRejection, description);
    }

    internal void MalformedAnswer() => Interlocked.Increment(ref _malformedAnswers);

    internal void UnverifiedAnswer() => Interlocked.Increment(ref _unverifiedAnswers);

    internal void MismatchedAnswer() => Interlocked.Increment(ref _mismatchedAnswers);

    internal void AnswerTimeout() => Interlocked.Increment(ref _answerTimeouts);
}
