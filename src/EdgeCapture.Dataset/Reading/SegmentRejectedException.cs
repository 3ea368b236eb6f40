using EdgeCapture.Recording.Manifests;
using EdgeCapture.Storage;

namespace EdgeCapture.Dataset.Reading;

/// <summary>A segment failed verification, decryption or decoding: the export stops and writes nothing.</summary>
public sealed class SegmentRejectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SegmentRejectedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public SegmentRejectedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public SegmentRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for one segment.</summary>
    /// <param name="key">The segment.</param>
    /// <param name="problem">What kind of problem.</param>
    /// <param name="reason">Why, in words.</param>
    /// <param name="innerException">The cause, if any.</param>
    public SegmentRejectedException(SegmentKey key, VerificationProblem problem, string reason, Exception? innerException = null)
        : base($"segment {key}: {problem}: {reason}", innerException)
    {
        Key = key;
        Problem = problem;
        Reason = reason;
    }

    /// <summary>The segment, when the problem is tied to one.</summary>
    public SegmentKey? Key { get; }

    /// <summary>The kind of problem.</summary>
    public VerificationProblem? Problem { get; }

    /// <summary>Why, in words.</summary>
    public string Reason { get; } = string.Empty;
}
