using EdgeCapture.Crypto;
using EdgeCapture.Recording.Manifests;

namespace EdgeCapture.Dataset.Sources;

/// <summary>
/// Where an export reads sealed segments from: a box's outbox, or the collector's store. A source only lists what it
/// holds (manifests, ciphertext openers, the device keys that must have signed them); it decides nothing. The exporter
/// verifies every segment itself.
/// </summary>
public interface ISegmentSource : IDisposable
{
    /// <summary>What the source is, for messages and the dataset card (for example "outbox /data/box").</summary>
    string Description { get; }

    /// <summary>Every device the source holds segments of, with the key its manifests must verify with.</summary>
    /// <returns>The devices and their segments, in session and index order.</returns>
    IReadOnlyList<SourceDevice> ListDevices();
}

/// <summary>The segments of one device.</summary>
/// <param name="DeviceId">The device identifier as the source knows it (manifests name their device too).</param>
/// <param name="PublicKey">The device's Ed25519 key: every manifest must verify with it.</param>
/// <param name="Segments">The device's segments as the verifier sees them.</param>
public sealed record SourceDevice(string DeviceId, DevicePublicKey PublicKey, IReadOnlyList<VerifiableSegment> Segments);

/// <summary>A source cannot be opened or read (missing database, unreadable key, unusable store).</summary>
public sealed class SegmentSourceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SegmentSourceException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public SegmentSourceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public SegmentSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
