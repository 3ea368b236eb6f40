// Slightly over 400 lines: signatures, ciphertext hashes, chain links and decryption of one outbox or store in one
// verifier, so the custodian's check and the export use exactly the same rules.
using System.Buffers;
using System.Security.Cryptography;
using EdgeCapture.Crypto;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;

namespace EdgeCapture.Recording.Manifests;

/// <summary>What is wrong with a stored segment or chain.</summary>
public enum VerificationProblem
{
    /// <summary>The manifest bytes are not a valid signed manifest.</summary>
    ManifestMalformed,

    /// <summary>The outbox's record of the manifest hash does not match the manifest bytes.</summary>
    ManifestHashMismatch,

    /// <summary>The signature does not verify with the device key: the manifest was altered or not made by this device.</summary>
    SignatureInvalid,

    /// <summary>The manifest names another signing key than the device key.</summary>
    WrongDevice,

    /// <summary>The manifest's session or index differs from where the segment is stored (moved or reordered).</summary>
    KeyMismatch,

    /// <summary>The outbox has the manifest but no ciphertext for a segment it should hold.</summary>
    CiphertextMissing,

    /// <summary>The ciphertext's length or SHA-256 differs from the manifest: it was altered.</summary>
    CiphertextAltered,

    /// <summary>A manifest's previous-manifest hash does not match its predecessor: reordered, replaced or inserted.</summary>
    ChainBroken,

    /// <summary>A segment in the middle of a session is missing: deleted.</summary>
    SegmentMissing,

    /// <summary>Segment 0 does not carry the all-zero previous hash.</summary>
    ChainStartInvalid,

    /// <summary>The custodian identity could not decrypt the segment.</summary>
    DecryptionFailed,

    /// <summary>The decrypted segment is not a valid segment, or disagrees with its manifest.</summary>
    ContentInvalid,

    /// <summary>(Warning) The session's first segments are no longer held (uploaded and acknowledged long ago, or forgotten).</summary>
    SessionHeadNotHeld,

    /// <summary>(Warning) The session has no end-of-session segment: it is still recording, the box crashed, or its tail was forgotten.</summary>
    SessionNotEnded,
}

/// <summary>One finding.</summary>
/// <param name="Key">The segment concerned.</param>
/// <param name="Problem">What kind of problem.</param>
/// <param name="Message">A human-readable explanation.</param>
public sealed record VerificationIssue(SegmentKey Key, VerificationProblem Problem, string Message);

/// <summary>A verified session.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="FirstIndex">Lowest index held.</param>
/// <param name="LastIndex">Highest index held.</param>
/// <param name="SegmentsHeld">Segments with ciphertext held.</param>
/// <param name="Tombstones">Acknowledged segments only remembered by hash.</param>
/// <param name="EndReason">End reason of the last segment held, read from its sealed trailer: <see cref="SessionEndReason.None"/> unless it was decrypted.</param>
/// <param name="Counts">Record counts summed over the decrypted segments (zero without an identity: counts are sealed).</param>
/// <param name="CiphertextBytes">Ciphertext bytes held.</param>
/// <param name="WallClockStart">Wall clock at the start of the first held segment.</param>
/// <param name="WallClockEnd">Wall clock at the end of the last held segment.</param>
/// <param name="Ended">Whether the last segment held ends the session (its signed manifest says so).</param>
public sealed record SessionVerification(Guid SessionId, int FirstIndex, int LastIndex, int SegmentsHeld, int Tombstones, SessionEndReason EndReason, RecordCounts Counts, long CiphertextBytes, DateTimeOffset WallClockStart, DateTimeOffset WallClockEnd, bool Ended);

/// <summary>The result of verifying an outbox.</summary>
/// <param name="Sessions">Every session seen.</param>
/// <param name="Errors">Tampering or corruption.</param>
/// <param name="Warnings">Expected gaps (see <see cref="VerificationProblem.SessionHeadNotHeld"/> and <see cref="VerificationProblem.SessionNotEnded"/>).</param>
/// <param name="SegmentsDecrypted">Segments decrypted and decoded (0 without an identity).</param>
public sealed record VerificationReport(IReadOnlyList<SessionVerification> Sessions, IReadOnlyList<VerificationIssue> Errors, IReadOnlyList<VerificationIssue> Warnings, int SegmentsDecrypted)
{
    /// <summary>True when no error was found.</summary>
    public bool IsValid => Errors.Count == 0;
}

/// <summary>One stored segment as the verifier sees it.</summary>
/// <param name="Key">Where it is stored.</param>
/// <param name="State">Its upload state.</param>
/// <param name="Manifest">The signed manifest (empty for an acknowledged tombstone).</param>
/// <param name="StoredManifestSha256">The hash the outbox recorded for the manifest.</param>
/// <param name="WallClockStart">Wall clock at the start.</param>
/// <param name="WallClockEnd">Wall clock at the end.</param>
/// <param name="OpenCiphertext">Opens the ciphertext, or returns null when the outbox does not hold it.</param>
public sealed record VerifiableSegment(SegmentKey Key, UploadState State, ReadOnlyMemory<byte> Manifest, ReadOnlyMemory<byte> StoredManifestSha256, DateTimeOffset WallClockStart, DateTimeOffset WallClockEnd, Func<Stream?> OpenCiphertext);

/// <summary>
/// Checks an outbox the way an auditor would: every manifest's signature (device key), every ciphertext's hash, every
/// session's hash chain (a deleted, reordered, inserted or altered segment or manifest shows), and, given the
/// custodian's identity, that each segment decrypts to a valid segment agreeing with its manifest.
/// The box never runs the decrypting part: it has no identity.
/// </summary>
public static class SegmentChainVerifier
{
    private const int ReadBufferLength = 64 * 1024;

    /// <summary>
    /// Gathers every segment the outbox knows (<see cref="SegmentOutbox.GetAllSegments"/>): pending, uploading and uploaded
    /// segments with their ciphertext, and acknowledged tombstones (no manifest, no ciphertext: counted as acknowledged by
    /// <see cref="Verify(IReadOnlyList{VerifiableSegment}, DevicePublicKey, IReadOnlyList{AgeIdentity}?, Action{SegmentKey, SegmentContents}?)"/>,
    /// never as missing). Sessions whose segments were all uploaded are verified too.
    /// </summary>
    /// <param name="outbox">The open outbox.</param>
    /// <returns>The segments, by session and index.</returns>
    public static IReadOnlyList<VerifiableSegment> CollectFromOutbox(SegmentOutbox outbox)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        var found = new Dictionary<SegmentKey, OutboxSegment>();
        foreach (OutboxSegment segment in outbox.GetAllSegments())
        {
            found[segment.Key] = segment;
        }

        return found.Values
            .OrderBy(segment => segment.Key.SessionId)
            .ThenBy(segment => segment.Key.SegmentIndex)
            .Select(segment => new VerifiableSegment(
                segment.Key,
                segment.State,
                segment.Manifest,
                segment.ManifestSha256,
                segment.WallClockStartUtc,
                segment.WallClockEndUtc,
                () => outbox.TryOpenCiphertext(segment.Key, out Stream? stream) ? stream : null))
            .ToArray();
    }

    /// <summary>Verifies the outbox's segments.</summary>
    /// <param name="outbox">The open outbox.</param>
    /// <param name="devicePublicKey">The device's public key.</param>
    /// <param name="identities">The custodian's identities to decrypt with, or null to check signatures and hashes only.</param>
    /// <param name="onDecrypted">Called with each decrypted segment (custodian tooling, tests).</param>
    /// <returns>The report.</returns>
    public static VerificationReport Verify(SegmentOutbox outbox, DevicePublicKey devicePublicKey, IReadOnlyList<AgeIdentity>? identities = null, Action<SegmentKey, SegmentContents>? onDecrypted = null) =>
        Verify(CollectFromOutbox(outbox), devicePublicKey, identities, onDecrypted);

    /// <summary>Verifies a set of stored segments.</summary>
    /// <param name="segments">The segments.</param>
    /// <param name="devicePublicKey">The device's public key.</param>
    /// <param name="identities">The custodian's identities, or null.</param>
    /// <param name="onDecrypted">Called with each decrypted segment.</param>
    /// <returns>The report.</returns>
    public static VerificationReport Verify(IReadOnlyList<VerifiableSegment> segments, DevicePublicKey devicePublicKey, IReadOnlyList<AgeIdentity>? identities = null, Action<SegmentKey, SegmentContents>? onDecrypted = null) =>
        Verify(segments, devicePublicKey, identities, onDecrypted, readCiphertext: true);

    /// <summary>
    /// Verifies what the manifests alone prove: every signature with the device key, every session's hash chain, and every
    /// stored key. No ciphertext is read, so the caller must check each ciphertext's length and SHA-256 against its manifest
    /// itself before it uses the plaintext (the custodian's export hashes each ciphertext while it decrypts it, so each
    /// byte is read once). <see cref="SessionVerification.CiphertextBytes"/> is then what the manifests declare.
    /// </summary>
    /// <param name="segments">The segments.</param>
    /// <param name="devicePublicKey">The device's public key.</param>
    /// <returns>The report (no <see cref="VerificationProblem.CiphertextMissing"/> or <see cref="VerificationProblem.CiphertextAltered"/> finding: nothing was read).</returns>
    public static VerificationReport VerifyManifests(IReadOnlyList<VerifiableSegment> segments, DevicePublicKey devicePublicKey) =>
        Verify(segments, devicePublicKey, identities: null, onDecrypted: null, readCiphertext: false);

    private static VerificationReport Verify(IReadOnlyList<VerifiableSegment> segments, DevicePublicKey devicePublicKey, IReadOnlyList<AgeIdentity>? identities, Action<SegmentKey, SegmentContents>? onDecrypted, bool readCiphertext)
    {
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentNullException.ThrowIfNull(devicePublicKey);
        byte[] deviceKey = devicePublicKey.ToArray();
        var errors = new List<VerificationIssue>();
        var warnings = new List<VerificationIssue>();
        var sessions = new List<SessionVerification>();
        int decrypted = 0;

        foreach (IGrouping<Guid, VerifiableSegment> session in segments.GroupBy(segment => segment.Key.SessionId))
        {
            VerifiableSegment[] ordered = session.OrderBy(segment => segment.Key.SegmentIndex).ToArray();
            byte[]? previousHash = null;
            int previousIndex = -1;
            int held = 0;
            int tombstones = 0;
            long ciphertextBytes = 0;
            RecordCounts counts = default;
            SessionEndReason lastReason = SessionEndReason.None;
            bool ended = false;
            foreach (VerifiableSegment segment in ordered)
            {
                SegmentKey key = segment.Key;
                byte[] manifestHash;
                SegmentManifest? manifest = null;
                if (segment.Manifest.IsEmpty)
                {
                    // An acknowledged tombstone: only its hash is known; the next manifest's signed link vouches for it.
                    tombstones++;
                    manifestHash = segment.StoredManifestSha256.ToArray();
                    if (segment.State != UploadState.Acknowledged)
                    {
                        errors.Add(new VerificationIssue(key, VerificationProblem.ManifestMalformed, $"Segment {key} in state {segment.State} has no manifest."));
                    }
                }
                else
                {
                    manifestHash = SHA256.HashData(segment.Manifest.Span);
                    if (!CryptographicOperations.FixedTimeEquals(manifestHash, segment.StoredManifestSha256.Span))
                    {
                        errors.Add(new VerificationIssue(key, VerificationProblem.ManifestHashMismatch, $"Segment {key}: the manifest does not match the hash the outbox recorded for it."));
                    }

                    manifest = CheckManifest(segment, deviceKey, devicePublicKey, errors);
                }

                if (manifest is not null)
                {
                    ended = manifest.EndsSession;
                    lastReason = SessionEndReason.None;
                    if (key.SegmentIndex == 0 && manifest.PreviousManifestSha256.Span.ContainsAnyExcept((byte)0))
                    {
                        errors.Add(new VerificationIssue(key, VerificationProblem.ChainStartInvalid, $"Segment {key} is the first of its session but links to a predecessor."));
                    }

                    if (previousHash is not null && previousIndex == key.SegmentIndex - 1
                        && !CryptographicOperations.FixedTimeEquals(previousHash, manifest.PreviousManifestSha256.Span))
                    {
                        errors.Add(new VerificationIssue(key, VerificationProblem.ChainBroken, $"Segment {key} does not link to the manifest of segment {previousIndex}: reordered, replaced or altered."));
                    }

                    if (segment.State != UploadState.Acknowledged && !readCiphertext)
                    {
                        ciphertextBytes += manifest.CiphertextLength;
                        held++;
                    }
                    else if (segment.State != UploadState.Acknowledged)
                    {
                        (long length, SealedSummary? summary) = CheckCiphertext(segment, manifest, identities, onDecrypted, errors);
                        ciphertextBytes += length;
                        if (summary is { } opened)
                        {
                            decrypted++;
                            lastReason = opened.EndReason;
                            counts = new RecordCounts(counts.Keys + opened.Counts.Keys, counts.Mouse + opened.Counts.Mouse, counts.Frames + opened.Counts.Frames, counts.Markers + opened.Counts.Markers);
                        }

                        held++;
                    }
                }

                if (previousIndex >= 0 && key.SegmentIndex != previousIndex + 1)
                {
                    errors.Add(new VerificationIssue(key, VerificationProblem.SegmentMissing, $"Session {key.SessionId}: segments {previousIndex + 1}..{key.SegmentIndex - 1} are missing."));
                }
                else if (previousIndex < 0 && key.SegmentIndex > 0)
                {
                    warnings.Add(new VerificationIssue(key, VerificationProblem.SessionHeadNotHeld, $"Session {key.SessionId}: segments 0..{key.SegmentIndex - 1} are no longer held."));
                }

                previousHash = manifestHash;
                previousIndex = key.SegmentIndex;
            }

            if (!ended)
            {
                warnings.Add(new VerificationIssue(ordered[^1].Key, VerificationProblem.SessionNotEnded, $"Session {session.Key} has no end-of-session segment (still recording, interrupted, or its tail was forgotten)."));
            }

            sessions.Add(new SessionVerification(session.Key, ordered[0].Key.SegmentIndex, ordered[^1].Key.SegmentIndex, held, tombstones, lastReason, counts, ciphertextBytes, ordered[0].WallClockStart, ordered[^1].WallClockEnd, ended));
        }

        return new VerificationReport(sessions, errors, warnings, decrypted);
    }

    private static SegmentManifest? CheckManifest(VerifiableSegment segment, byte[] deviceKey, DevicePublicKey devicePublicKey, List<VerificationIssue> errors)
    {
        SegmentKey key = segment.Key;
        DecodedManifest decoded;
        try
        {
            decoded = ManifestCodec.Decode(segment.Manifest);
        }
        catch (SegmentFormatException exception)
        {
            errors.Add(new VerificationIssue(key, VerificationProblem.ManifestMalformed, $"Segment {key}: {exception.Message}."));
            return null;
        }

        SegmentManifest manifest = decoded.Manifest;
        if (!devicePublicKey.Verify(ManifestCodec.SignedMessage(decoded.Body.Span), decoded.Signature.Span))
        {
            errors.Add(new VerificationIssue(key, VerificationProblem.SignatureInvalid, $"Segment {key}: the manifest signature does not verify with the device key."));
            return null;
        }

        if (!manifest.SigningPublicKey.Span.SequenceEqual(deviceKey))
        {
            errors.Add(new VerificationIssue(key, VerificationProblem.WrongDevice, $"Segment {key}: the manifest names another signing key."));
        }

        if (manifest.SessionId != key.SessionId || manifest.SegmentIndex != key.SegmentIndex)
        {
            errors.Add(new VerificationIssue(key, VerificationProblem.KeyMismatch, $"Segment {key}: the manifest is for {manifest.SessionId:D}/{manifest.SegmentIndex}."));
        }

        return manifest;
    }

    private static (long Length, SealedSummary? Decrypted) CheckCiphertext(VerifiableSegment segment, SegmentManifest manifest, IReadOnlyList<AgeIdentity>? identities, Action<SegmentKey, SegmentContents>? onDecrypted, List<VerificationIssue> errors)
    {
        SegmentKey key = segment.Key;
        long length = 0;
        using (Stream? ciphertext = segment.OpenCiphertext())
        {
            if (ciphertext is null)
            {
                errors.Add(new VerificationIssue(key, VerificationProblem.CiphertextMissing, $"Segment {key}: the outbox holds no ciphertext for it."));
                return (0, null);
            }

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(ReadBufferLength);
            try
            {
                int read;
                while ((read = ciphertext.Read(buffer, 0, ReadBufferLength)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    length += read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            if (length != manifest.CiphertextLength || !CryptographicOperations.FixedTimeEquals(hash.GetHashAndReset(), manifest.CiphertextSha256.Span))
            {
                errors.Add(new VerificationIssue(key, VerificationProblem.CiphertextAltered, $"Segment {key}: the ciphertext does not match the hash in its signed manifest."));
                return (length, null);
            }
        }

        if (identities is null || identities.Count == 0)
        {
            return (length, null);
        }

        return (length, Decrypt(segment, manifest, identities, onDecrypted, errors));
    }

    private static SealedSummary? Decrypt(VerifiableSegment segment, SegmentManifest manifest, IReadOnlyList<AgeIdentity> identities, Action<SegmentKey, SegmentContents>? onDecrypted, List<VerificationIssue> errors)
    {
        SegmentKey key = segment.Key;
        // The plaintext length is sealed too; age's payload is never shorter than its plaintext, so the ciphertext bounds it.
        if (manifest.CiphertextLength > int.MaxValue - 1)
        {
            errors.Add(new VerificationIssue(key, VerificationProblem.ContentInvalid, $"Segment {key}: ciphertext length {manifest.CiphertextLength} is implausible."));
            return null;
        }

        byte[] plaintext = new byte[manifest.CiphertextLength + 1];
        int plaintextLength = 0;
        try
        {
            using (Stream ciphertext = segment.OpenCiphertext() ?? throw new InvalidOperationException("The ciphertext disappeared during verification."))
            using (AgeDecryptingStream age = AgeDecryptingStream.Open(ciphertext, identities))
            {
                int read;
                while (plaintextLength < plaintext.Length && (read = age.Read(plaintext, plaintextLength, plaintext.Length - plaintextLength)) > 0)
                {
                    plaintextLength += read;
                }

                if (plaintextLength == plaintext.Length)
                {
                    errors.Add(new VerificationIssue(key, VerificationProblem.ContentInvalid, $"Segment {key}: the plaintext is longer than its ciphertext."));
                    return null;
                }
            }

            SegmentContents contents = SegmentReader.Read(plaintext.AsMemory(0, plaintextLength));
            SegmentHeader header = contents.Header;
            RecordCounts counts = Count(contents.Records);
            if (header.SessionId != manifest.SessionId || header.SegmentIndex != manifest.SegmentIndex || header.DeviceId != manifest.DeviceId
                || (contents.Trailer.EndReason != SessionEndReason.None) != manifest.EndsSession)
            {
                errors.Add(new VerificationIssue(key, VerificationProblem.ContentInvalid, $"Segment {key}: the decrypted segment disagrees with its manifest."));
                return null;
            }

            onDecrypted?.Invoke(key, contents);
            return new SealedSummary(counts, contents.Trailer.EndReason, plaintextLength);
        }
        catch (AgeException exception)
        {
            errors.Add(new VerificationIssue(key, VerificationProblem.DecryptionFailed, $"Segment {key}: {exception.Message}"));
            return null;
        }
        catch (SegmentFormatException exception)
        {
            errors.Add(new VerificationIssue(key, VerificationProblem.ContentInvalid, $"Segment {key}: {exception.Message}"));
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>What only the sealed payload tells: counts, the end reason (trailer) and the plaintext length.</summary>
    private readonly record struct SealedSummary(RecordCounts Counts, SessionEndReason EndReason, int PlaintextLength);

    /// <summary>Counts records by type.</summary>
    /// <param name="records">Decoded records.</param>
    /// <returns>The counts.</returns>
    public static RecordCounts Count(IReadOnlyList<SegmentRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        long keys = 0;
        long mouse = 0;
        long frames = 0;
        long markers = 0;
        foreach (SegmentRecord record in records)
        {
            switch (record)
            {
                case KeyRecord:
                    keys++;
                    break;
                case MouseRecord or PointerPositionRecord:
                    mouse++;
                    break;
                case FrameRecord:
                    frames++;
                    break;
                default:
                    markers++;
                    break;
            }
        }

        return new RecordCounts(keys, mouse, frames, markers);
    }
}
