using EdgeCapture.Crypto;

namespace EdgeCapture.Protocol;

/// <summary>
/// Who signs a protocol message with Ed25519: the box's device key for presence (and, upstream, manifests and
/// retractions), the collector's key for its answers. Verification uses <see cref="DevicePublicKey"/>, which is a plain
/// <c>ed25519:</c> public key whatever its owner.
/// </summary>
public interface IMessageSigner
{
    /// <summary>The public key that verifies this signer's signatures.</summary>
    DevicePublicKey PublicKey { get; }

    /// <summary>Signs <paramref name="message"/> into <paramref name="signature"/> (64 bytes).</summary>
    /// <param name="message">The bytes to sign (the codec's domain separation context followed by the body).</param>
    /// <param name="signature">Receives the signature.</param>
    void Sign(ReadOnlySpan<byte> message, Span<byte> signature);
}

/// <summary>An <see cref="IMessageSigner"/> over a <see cref="DeviceSigningKey"/> (the caller keeps and disposes the key).</summary>
/// <param name="key">The signing key.</param>
public sealed class SigningKeyMessageSigner(DeviceSigningKey key) : IMessageSigner
{
    private readonly DeviceSigningKey _key = key ?? throw new ArgumentNullException(nameof(key));

    /// <inheritdoc/>
    public DevicePublicKey PublicKey => _key.PublicKey;

    /// <inheritdoc/>
    public void Sign(ReadOnlySpan<byte> message, Span<byte> signature) => _key.Sign(message, signature);
}
