using System.Security.Cryptography;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Collector.Tests;

/// <summary>A simulated box: a device key and a session whose segments it seals (age to a custodian) and signs like the recorder.</summary>
internal sealed class TestDevice : IDisposable
{
    private byte[] _previousManifestHash = new byte[32];

    public TestDevice(string deviceId, AgeRecipient? custodian = null)
    {
        DeviceId = deviceId;
        Key = DeviceSigningKey.Generate();
        Custodian = custodian;
        Signer = new SigningKeyMessageSigner(Key);
    }

    public string DeviceId { get; }

    public DeviceSigningKey Key { get; }

    public IMessageSigner Signer { get; }

    public AgeRecipient? Custodian { get; }

    public Guid SessionId { get; private set; } = Guid.NewGuid();

    public int NextIndex { get; private set; }

    public void NewSession()
    {
        SessionId = Guid.NewGuid();
        NextIndex = 0;
        _previousManifestHash = new byte[32];
    }

    /// <summary>Seals the next segment of the session: ciphertext (age when a custodian is set, else random bytes) and signed manifest.</summary>
    public TestSegment Seal(int plaintextLength = 3000, SessionEndReason end = SessionEndReason.None, DeviceSigningKey? signWith = null)
    {
        byte[] plaintext = RandomNumberGenerator.GetBytes(plaintextLength);
        byte[] ciphertext;
        if (Custodian is { } recipient)
        {
            using var buffer = new MemoryStream();
            using (AgeEncryptingStream age = AgeEncryptingStream.Create(buffer, [recipient]))
            {
                age.Write(plaintext);
            }

            ciphertext = buffer.ToArray();
        }
        else
        {
            ciphertext = RandomNumberGenerator.GetBytes(plaintextLength + 200);
        }

        return SealCiphertext(ciphertext, end, signWith);
    }

    public TestSegment SealCiphertext(byte[] ciphertext, SessionEndReason end = SessionEndReason.None, DeviceSigningKey? signWith = null, byte[]? previousHash = null)
    {
        DeviceSigningKey signer = signWith ?? Key;
        var reference = new SegmentReference(SessionId, NextIndex);
        long start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var manifest = new SegmentManifest(ManifestCodec.Version, DeviceId, SessionId, NextIndex, NextIndex * 1_000, (NextIndex * 1_000) + 999, start, start + 1_000_000,
            ciphertext.Length, SHA256.HashData(ciphertext), previousHash ?? _previousManifestHash, end != SessionEndReason.None, ["age1test"], Key.PublicKey.ToArray());
        byte[] body = ManifestCodec.EncodeBody(manifest);
        byte[] signed = ManifestCodec.EncodeSigned(body, signer.Sign(ManifestCodec.SignedMessage(body)));
        _previousManifestHash = SHA256.HashData(signed);
        NextIndex++;
        return new TestSegment(DeviceId, reference, ciphertext, signed);
    }

    public void Dispose() => Key.Dispose();
}

/// <summary>One sealed segment and the messages that upload it.</summary>
internal sealed record TestSegment(string DeviceId, SegmentReference Reference, byte[] Ciphertext, byte[] SignedManifest)
{
    public byte[] CiphertextSha256 => SHA256.HashData(Ciphertext);

    public PartLayout Layout(int partSize = 1024) => new(Ciphertext.Length, partSize);

    public byte[] Part(int index, int partSize = 1024)
    {
        PartLayout layout = Layout(partSize);
        return SegmentPartCodec.Encode(DeviceId, Reference, layout, index, Ciphertext.AsSpan((int)layout.OffsetOf(index), layout.LengthOf(index)));
    }

    public IEnumerable<byte[]> Parts(int partSize = 1024) => Enumerable.Range(0, Layout(partSize).PartCount).Select(index => Part(index, partSize));

    public byte[] Commit(int partSize = 1024, byte[]? manifest = null, byte[]? hash = null) =>
        SegmentCommitCodec.Encode(new SegmentCommit(DeviceId, Reference, Layout(partSize), hash ?? CiphertextSha256, manifest ?? SignedManifest));
}
