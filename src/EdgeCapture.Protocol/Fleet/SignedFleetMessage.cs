using System.Text;
using System.Text.Json;
using EdgeCapture.Crypto;

namespace EdgeCapture.Protocol.Fleet;

/// <summary>What a signed fleet message is; part of the signed bytes, so a signature over one kind never passes as another.</summary>
public static class FleetMessageKind
{
    /// <summary>An operator's or the custodian's command.</summary>
    public const string Command = "command";

    /// <summary>A desired configuration document.</summary>
    public const string DesiredConfiguration = "desired-configuration";

    /// <summary>A box's response to a command (signed with the device key).</summary>
    public const string Response = "response";

    internal static bool IsKnown(string kind) => kind is Command or DesiredConfiguration or Response;
}

/// <summary>
/// The signed envelope every command, desired configuration and response travels in:
/// <c>{"kind":"command","signer":"ed25519:...","payload":"BASE64","signature":"BASE64"}</c>.
/// </summary>
/// <remarks>
/// The payload is carried as opaque bytes (the UTF-8 JSON the signer wrote), so verification needs no canonical JSON: the
/// signature covers <c>"edgecapture/v1 fleet {kind}\n"</c> followed by exactly those bytes. JSON keeps commands and audit
/// readable by IT with ordinary tools; the messages are small, so CBOR's compactness buys nothing here.
/// </remarks>
public sealed class SignedFleetMessage
{
    private SignedFleetMessage(string kind, DevicePublicKey? signer, byte[] payload, byte[]? signature)
    {
        Kind = kind;
        Signer = signer;
        Payload = payload;
        Signature = signature;
    }

    /// <summary>The message kind (see <see cref="FleetMessageKind"/>).</summary>
    public string Kind { get; }

    /// <summary>The public key that claims to have signed, or null when unsigned.</summary>
    public DevicePublicKey? Signer { get; }

    /// <summary>The signed payload (UTF-8 JSON).</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The signature, or null when unsigned.</summary>
    public ReadOnlyMemory<byte>? Signature { get; }

    /// <summary>Whether a signer and a signature are present (not whether the signature is valid).</summary>
    public bool IsSigned => Signer is not null && Signature is not null;

    /// <summary>Whether the signature is a valid Ed25519 signature of <see cref="Signer"/> over this kind and payload.</summary>
    /// <returns>True only for a valid signature.</returns>
    public bool HasValidSignature() => Signer is { } signer && Signature is { } signature && signer.Verify(SignedBytes(Kind, Payload.Span), signature.Span);

    /// <summary>Signs <paramref name="payload"/> as a <paramref name="kind"/> message with a person's key.</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="payload">The UTF-8 JSON payload.</param>
    /// <param name="key">The signer.</param>
    /// <returns>The envelope bytes.</returns>
    public static byte[] Sign(string kind, ReadOnlySpan<byte> payload, PersonalSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Write(kind, payload, key.PublicKey, key.Sign(SignedBytes(kind, payload)));
    }

    /// <summary>Signs <paramref name="payload"/> as a <paramref name="kind"/> message with the box's key.</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="payload">The UTF-8 JSON payload.</param>
    /// <param name="key">The device key.</param>
    /// <returns>The envelope bytes.</returns>
    public static byte[] Sign(string kind, ReadOnlySpan<byte> payload, DeviceSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Write(kind, payload, key.PublicKey, key.Sign(SignedBytes(kind, payload)));
    }

    /// <summary>An envelope without signature (what a careless or hostile sender might publish; tests use it).</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="payload">The payload.</param>
    /// <returns>The envelope bytes.</returns>
    public static byte[] WithoutSignature(string kind, ReadOnlySpan<byte> payload) => Write(kind, payload, null, null);

    /// <summary>Decodes an envelope strictly; never throws anything but <see cref="FleetMessageFormatException"/>.</summary>
    /// <param name="envelope">The received bytes.</param>
    /// <returns>The envelope (check <see cref="IsSigned"/> and <see cref="HasValidSignature"/>).</returns>
    /// <exception cref="FleetMessageFormatException">Not an envelope.</exception>
    public static SignedFleetMessage Decode(ReadOnlyMemory<byte> envelope)
    {
        using JsonDocument document = FleetJson.Parse(envelope, "the signed envelope");
        Dictionary<string, JsonElement> properties = FleetJson.Properties(document.RootElement, "the signed envelope", ["kind", "payload"], ["signer", "signature"]);
        string kind = FleetJson.Text(properties["kind"], "kind", 32);
        if (!FleetMessageKind.IsKnown(kind))
        {
            throw new FleetMessageFormatException($"'kind' must be {FleetMessageKind.Command}, {FleetMessageKind.DesiredConfiguration} or {FleetMessageKind.Response}");
        }

        byte[] payload = FleetJson.Base64(properties["payload"], "payload", FleetJson.MaximumMessageBytes);
        DevicePublicKey? signer = null;
        if (properties.TryGetValue("signer", out JsonElement signerElement) && signerElement.ValueKind != JsonValueKind.Null)
        {
            try
            {
                signer = DevicePublicKey.Parse(FleetJson.Text(signerElement, "signer", 128));
            }
            catch (DeviceKeyFormatException exception)
            {
                throw new FleetMessageFormatException($"'signer': {exception.Message}", exception);
            }
        }

        byte[]? signature = null;
        if (properties.TryGetValue("signature", out JsonElement signatureElement) && signatureElement.ValueKind != JsonValueKind.Null)
        {
            signature = FleetJson.Base64(signatureElement, "signature", 64);
            if (signature.Length != 64)
            {
                throw new FleetMessageFormatException("'signature' must be the base64 of a 64-byte Ed25519 signature");
            }
        }

        return new SignedFleetMessage(kind, signer, payload, signature);
    }

    /// <summary>The bytes a signature covers.</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="payload">The payload.</param>
    /// <returns>Domain-separated bytes.</returns>
    public static byte[] SignedBytes(string kind, ReadOnlySpan<byte> payload)
    {
        byte[] prefix = Encoding.ASCII.GetBytes("edgecapture/v1 fleet " + kind + "\n");
        byte[] bytes = new byte[prefix.Length + payload.Length];
        prefix.CopyTo(bytes, 0);
        payload.CopyTo(bytes.AsSpan(prefix.Length));
        return bytes;
    }

    private static byte[] Write(string kind, ReadOnlySpan<byte> payload, DevicePublicKey? signer, byte[]? signature)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, FleetJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", kind);
            if (signer is not null)
            {
                writer.WriteString("signer", signer.ToString());
            }

            writer.WriteBase64String("payload", payload);
            if (signature is not null)
            {
                writer.WriteBase64String("signature", signature);
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
