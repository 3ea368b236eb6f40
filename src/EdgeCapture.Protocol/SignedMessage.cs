using EdgeCapture.Crypto;

namespace EdgeCapture.Protocol;

/// <summary>
/// A decoded signed message whose signature has not been checked yet: decoding proves only that it is well formed.
/// Act on <see cref="Message"/> only after <see cref="IsSignedBy"/> returned true for the key you trust.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public sealed class SignedMessage<T>
{
    private readonly byte[] _context;

    internal SignedMessage(T message, ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> signature, ReadOnlySpan<byte> context)
    {
        Message = message;
        Body = body;
        Signature = signature;
        _context = context.ToArray();
    }

    /// <summary>The decoded fields.</summary>
    public T Message { get; }

    /// <summary>The exact body bytes the signature covers (after the domain separation context).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The Ed25519 signature.</summary>
    public ReadOnlyMemory<byte> Signature { get; }

    /// <summary>Whether <paramref name="key"/> signed exactly this body for this message type.</summary>
    /// <param name="key">The trusted public key.</param>
    /// <returns>True when the signature verifies.</returns>
    public bool IsSignedBy(DevicePublicKey key) => SignedEnvelope.Verify(_context, Body.Span, Signature.Span, key);
}
