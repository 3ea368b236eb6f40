using System.Security.Cryptography;
using EdgeCapture.Crypto;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Dataset.Reading;

/// <summary>
/// Opens one segment whose manifest already verified (signature, chain): reads the ciphertext once, hashing it while age
/// decrypts it, refuses it unless its length and SHA-256 are the ones the signed manifest names, then decodes the
/// plaintext and checks it against the manifest. The plaintext buffer comes from <see cref="PlaintextPool"/> and is bounded
/// by the ciphertext length; the frames are slices of it.
/// </summary>
internal sealed class SealedSegmentOpener
{
    private readonly IReadOnlyList<AgeIdentity> _identities;
    private readonly AgeDecryptionOptions _options;
    private readonly PlaintextPool _pool;

    public SealedSegmentOpener(IReadOnlyList<AgeIdentity> identities, int maxDegreeOfParallelism, PlaintextPool pool)
    {
        _identities = identities;
        _pool = pool;
        _options = new AgeDecryptionOptions { Format = AgeInputFormat.Binary, LeaveOpen = true, MaxDegreeOfParallelism = Math.Max(1, maxDegreeOfParallelism) };
    }

    /// <summary>Decrypts and decodes <paramref name="segment"/>.</summary>
    /// <returns>The decoded segment and the pooled buffer its frames are slices of (the caller gives it back to the pool).</returns>
    /// <exception cref="SegmentRejectedException">The segment does not decrypt, decode or agree with its manifest.</exception>
    public (SegmentContents Contents, SegmentPlaintext Plaintext) Open(VerifiableSegment segment, SegmentManifest manifest)
    {
        // The plaintext length is sealed (manifest version 2): age's payload is never shorter than its plaintext, so the
        // ciphertext length bounds the buffer and the decrypted length is what was read.
        if (manifest.CiphertextLength > int.MaxValue - 1)
        {
            throw new SegmentRejectedException(segment.Key, VerificationProblem.ContentInvalid, $"ciphertext length {manifest.CiphertextLength} is implausible");
        }

        int bound = (int)manifest.CiphertextLength;
        int length = 0;

        // The decoded frames are slices of the buffer (no copy per frame); it goes back to the pool once no frame held past
        // the segment needs it (PlaintextPool.ReleaseUnreferenced).
        SegmentPlaintext pooled = _pool.Rent(bound + 1);
        byte[] plaintext = pooled.Buffer;
        try
        {
            using (Stream ciphertext = segment.OpenCiphertext() ?? throw new SegmentRejectedException(segment.Key, VerificationProblem.CiphertextMissing, "the source holds no ciphertext for it"))
            using (var hashing = new HashingReadStream(ciphertext))
            {
                // The one read of the ciphertext: it is hashed while age decrypts it, and nothing decrypted is decoded or
                // handed on until the hash matches the signed manifest. A ciphertext that does not match is named as altered
                // even when age refused it first (a flipped byte), so the error says what the manifest proves.
                SegmentRejectedException? decryptionFailure = null;
                try
                {
                    using AgeDecryptingStream age = AgeDecryptingStream.Open(hashing, _identities, _options);
                    int read;
                    while (length <= bound && (read = age.Read(plaintext, length, bound + 1 - length)) > 0)
                    {
                        length += read;
                        pooled.Length = length;
                    }

                    if (length > bound)
                    {
                        decryptionFailure = new SegmentRejectedException(segment.Key, VerificationProblem.ContentInvalid, "the plaintext is longer than its ciphertext");
                    }
                }
                catch (AgeException error)
                {
                    decryptionFailure = new SegmentRejectedException(segment.Key, VerificationProblem.DecryptionFailed, error.Message, error);
                }

                hashing.Drain();
                if (hashing.Length != manifest.CiphertextLength || !CryptographicOperations.FixedTimeEquals(hashing.GetHash(), manifest.CiphertextSha256.Span))
                {
                    throw new SegmentRejectedException(segment.Key, VerificationProblem.CiphertextAltered, "the ciphertext does not match the length and SHA-256 in its signed manifest");
                }

                if (decryptionFailure is not null)
                {
                    throw decryptionFailure;
                }
            }

            SegmentContents contents;
            try
            {
                contents = SegmentReader.ReadSharingImages(pooled.Memory);
            }
            catch (SegmentFormatException error)
            {
                throw new SegmentRejectedException(segment.Key, VerificationProblem.ContentInvalid, error.Message, error);
            }

            SegmentHeader header = contents.Header;
            if (header.SessionId != manifest.SessionId || header.SegmentIndex != manifest.SegmentIndex || header.DeviceId != manifest.DeviceId
                || (contents.Trailer.EndReason != SessionEndReason.None) != manifest.EndsSession)
            {
                throw new SegmentRejectedException(segment.Key, VerificationProblem.ContentInvalid, "the decrypted segment disagrees with its signed manifest");
            }

            return (contents, pooled);
        }
        catch (System.Data.Common.DbException error)
        {
            // The source's database failed while reading this segment (a damaged page): named, like any other refusal.
            _pool.Refused(pooled);
            throw new SegmentRejectedException(segment.Key, VerificationProblem.CiphertextMissing, $"the source could not read it: {error.Message}", error);
        }
        catch
        {
            // Whatever was decrypted from a refused segment is not kept.
            _pool.Refused(pooled);
            throw;
        }
    }

    /// <summary>A read-only pass-through that hashes and counts every byte read.</summary>
    private sealed class HashingReadStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => _read;

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        private long _read;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int read = inner.Read(buffer);
            _hash.AppendData(buffer[..read]);
            _read += read;
            return read;
        }

        /// <summary>Reads whatever age did not (trailing bytes would already have failed decryption).</summary>
        public void Drain()
        {
            Span<byte> scratch = stackalloc byte[4096];
            while (Read(scratch) > 0)
            {
            }
        }

        public byte[] GetHash() => _hash.GetHashAndReset();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
