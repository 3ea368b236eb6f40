using System.Formats.Cbor;
using System.Security.Cryptography;
using EdgeCapture.Crypto;
using EdgeCapture.Linux;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Recording.Recorder;

/// <summary>
/// The production sink: encrypts the plaintext with age to the configured recipients straight into memory (never a
/// file), hashes the ciphertext, builds and signs the manifest (chained to the previous one), and appends both to the
/// SQLite outbox, which returns only once the segment is durable. Forget requests delete or retract through the outbox.
/// </summary>
public sealed partial class OutboxSegmentSink : ISegmentSink, IDisposable
{
    private static readonly byte[] ZeroHash = new byte[ManifestCodec.HashLength];

    private readonly IRecordingOutbox _outbox;
    private volatile Readers _readers;
    private readonly DeviceSigningKey _signer;
    private readonly byte[] _signerPublicKey;
    private readonly string _deviceId;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly MemoryStream _ciphertext = new();
    private readonly BootId _bootId;

    /// <summary>Creates the sink and queues retractions a previous run decided on but did not get to queue.</summary>
    /// <param name="outbox">The open outbox.</param>
    /// <param name="recipients">The custodian's recipient, optionally the employee's own; at least one.</param>
    /// <param name="signer">The device signing key.</param>
    /// <param name="deviceId">The device identifier written into manifests and retractions.</param>
    /// <param name="timeProvider">Wall clock for retraction documents.</param>
    /// <param name="logger">Logger; none when null.</param>
    /// <param name="bootIds">Where the current boot id comes from (default: the kernel's; unreadable means a fresh random id, so a forget treats older segments as another boot's, conservatively).</param>
    public OutboxSegmentSink(IRecordingOutbox outbox, IReadOnlyList<AgeRecipient> recipients, DeviceSigningKey signer, string deviceId, TimeProvider timeProvider, ILogger<OutboxSegmentSink>? logger = null, IBootIdSource? bootIds = null)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (recipients.Count == 0)
        {
            throw new ArgumentException("At least one recipient (the custodian) is required.", nameof(recipients));
        }

        _outbox = outbox;
        _readers = new Readers(recipients);
        _signer = signer;
        _signerPublicKey = signer.PublicKey.ToArray();
        _deviceId = deviceId;
        _timeProvider = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _bootId = CurrentBoot(bootIds ?? KernelBootIdSource.System);

        IReadOnlyList<SegmentKey> awaiting = outbox.GetSegmentsAwaitingRetraction();
        if (awaiting.Count > 0)
        {
            QueueRetraction(awaiting, default, default);
        }
    }

    /// <inheritdoc/>
    public bool IsStorageFull => _outbox.IsStorageFull;

    /// <summary>The recipients segments are sealed to now.</summary>
    public IReadOnlyList<AgeRecipient> Recipients => _readers.Recipients;

    /// <summary>
    /// Seals every segment from the next seal on to <paramref name="recipients"/> only (a custodian-signed <c>set-recipients</c>,
    /// "Governed control"); segments already sealed keep their readers. Thread-safe.
    /// </summary>
    /// <param name="recipients">At least one recipient.</param>
    public void ReplaceRecipients(IReadOnlyList<AgeRecipient> recipients)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        if (recipients.Count == 0)
        {
            throw new ArgumentException("At least one recipient (the custodian) is required.", nameof(recipients));
        }

        _readers = new Readers([.. recipients]);
    }

    /// <inheritdoc/>
    public SealedSegment? Seal(in SegmentSealRequest request, ReadOnlySpan<byte> plaintext)
    {
        _ciphertext.SetLength(0);
        Readers readers = _readers;
        using (AgeEncryptingStream age = AgeEncryptingStream.Create(_ciphertext, readers.Recipients, new AgeEncryptionOptions { LeaveOpen = true }))
        {
            age.Write(plaintext);
            age.Complete();
        }

        ReadOnlyMemory<byte> ciphertext = _ciphertext.GetBuffer().AsMemory(0, (int)_ciphertext.Length);
        byte[] ciphertextHash = SHA256.HashData(ciphertext.Span);
        ReadOnlyMemory<byte> previous = request.PreviousManifestSha256.Length == ManifestCodec.HashLength ? request.PreviousManifestSha256 : ZeroHash;
        var manifest = new SegmentManifest(
            ManifestCodec.Version,
            _deviceId,
            request.SessionId,
            request.SegmentIndex,
            request.MonotonicStartNanoseconds,
            request.MonotonicEndNanoseconds,
            UnixNanoseconds(request.WallClockStart),
            UnixNanoseconds(request.WallClockEnd),
            ciphertext.Length,
            ciphertextHash,
            previous,
            request.EndReason != SessionEndReason.None,
            readers.Texts,
            _signerPublicKey);
        byte[] body = ManifestCodec.EncodeBody(manifest);
        byte[] signature = _signer.Sign(ManifestCodec.SignedMessage(body));
        byte[] signedManifest = ManifestCodec.EncodeSigned(body, signature);
        byte[] manifestHash = SHA256.HashData(signedManifest);
        AppendResult result = _outbox.AppendSealedSegment(new SealedSegmentRecord
        {
            Key = new SegmentKey(request.SessionId, request.SegmentIndex),
            MonotonicStartNanoseconds = request.MonotonicStartNanoseconds,
            MonotonicEndNanoseconds = request.MonotonicEndNanoseconds,
            WallClockStartUtc = request.WallClockStart,
            WallClockEndUtc = request.WallClockEnd < request.WallClockStart ? request.WallClockStart : request.WallClockEnd,
            Ciphertext = ciphertext,
            Manifest = signedManifest,
            CiphertextSha256 = ciphertextHash,
            ManifestSha256 = manifestHash,
            BootId = _bootId,
        });
        long length = ciphertext.Length;
        _ciphertext.SetLength(0);
        return result == AppendResult.StorageFull ? null : new SealedSegment(manifestHash, length);
    }

    /// <inheritdoc/>
    public ForgetOutcome Forget(in ForgetWindowRequest window)
    {
        ForgetResult result = _outbox.Forget(new ForgetRange
        {
            CurrentBoot = _bootId,
            MonotonicFromNanoseconds = window.MonotonicFromNanoseconds,
            MonotonicToNanoseconds = window.MonotonicToNanoseconds,
            WallClockFromUtc = window.WallClockFrom,
            WallClockToUtc = window.WallClockTo,
        });
        if (result.RequireRetraction.Count > 0)
        {
            QueueRetraction(result.RequireRetraction, window.WallClockFrom, window.WallClockTo);
        }

        return new ForgetOutcome(result.DeletedBeforeUpload.Count, result.RequireRetraction.Count) { IsComplete = result.IsComplete };
    }

    /// <inheritdoc/>
    public bool RetryIncompleteForget() => _outbox.IsForgetComplete || _outbox.RetryForgetCheckpoint();

    private static BootId CurrentBoot(IBootIdSource source)
    {
        try
        {
            return source.Current;
        }
        catch (IOException)
        {
            // Unknown boot: a fresh id makes every stored segment "another boot's", which a forget matches conservatively.
            return new BootId(Guid.NewGuid());
        }
    }

    /// <summary>
    /// A signed retraction document: <c>[body: bstr, signature: bstr]</c>, body =
    /// <c>["edgecapture/retraction/v1", device-id, issued-at-unix-ns, window-from-unix-ns, window-to-unix-ns, [[session-id, index]...]]</c>,
    /// signature over "edgecapture/retraction/v1\0" followed by the body.
    /// </summary>
    private void QueueRetraction(IReadOnlyList<SegmentKey> keys, DateTimeOffset from, DateTimeOffset to)
    {
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartArray(6);
        writer.WriteTextString(RetractionDocument.Type);
        writer.WriteTextString(_deviceId);
        writer.WriteInt64(UnixNanoseconds(_timeProvider.GetUtcNow()));
        writer.WriteInt64(UnixNanoseconds(from));
        writer.WriteInt64(UnixNanoseconds(to));
        writer.WriteStartArray(keys.Count);
        Span<byte> sessionId = stackalloc byte[SegmentFormat.SessionIdLength];
        foreach (SegmentKey key in keys)
        {
            key.SessionId.TryWriteBytes(sessionId, bigEndian: true, out _);
            writer.WriteStartArray(2);
            writer.WriteByteString(sessionId);
            writer.WriteInt32(key.SegmentIndex);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
        writer.WriteEndArray();
        byte[] body = writer.Encode();
        byte[] message = [.. RetractionDocument.SignatureContext, .. body];
        byte[] document = ManifestCodec.EncodeSigned(body, _signer.Sign(message));
        _outbox.QueueRetraction(document, keys.ToArray());
        LogRetractionQueued(_logger, keys.Count);
    }

    /// <summary>Releases the ciphertext buffer (the outbox and the key belong to the caller).</summary>
    public void Dispose() => _ciphertext.Dispose();

    /// <summary>The recipients and their text forms (for the manifest), swapped together.</summary>
    private sealed class Readers(IReadOnlyList<AgeRecipient> recipients)
    {
        public IReadOnlyList<AgeRecipient> Recipients { get; } = recipients;

        public string[] Texts { get; } = recipients.Select(recipient => recipient.ToString()).ToArray();
    }

    private static long UnixNanoseconds(DateTimeOffset time) => time == default ? 0 : (time - DateTimeOffset.UnixEpoch).Ticks * 100;

    [LoggerMessage(EventId = 430, Level = LogLevel.Information, Message = "Signed retraction queued for {Count} forgotten segments that may have been uploaded")]
    private static partial void LogRetractionQueued(ILogger logger, int count);
}

/// <summary>Constants of the signed retraction document the sink queues for forgotten, possibly uploaded segments.</summary>
public static class RetractionDocument
{
    /// <summary>The document type, first item of the body.</summary>
    public const string Type = "edgecapture/retraction/v1";

    /// <summary>Domain separation prefix of the signed message.</summary>
    public static ReadOnlySpan<byte> SignatureContext => "edgecapture/retraction/v1\0"u8;
}
