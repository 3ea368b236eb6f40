using System.Formats.Cbor;

namespace EdgeCapture.Protocol;

/// <summary>
/// Encodes (device-signed) and strictly decodes presence messages: signed envelope, body =
/// <c>["edgecapture/presence/v1", device-id, online: bool, bd-seq, timestamp-unix-ns, birth-details: bstr]</c>,
/// signature over <see cref="SignatureContext"/> followed by the body, with the device key.
/// </summary>
public static class PresenceCodec
{
    /// <summary>The message type string.</summary>
    public const string Type = "edgecapture/presence/v1";

    private const string What = "Presence message";

    /// <summary>Domain separation of the device's signature on presence.</summary>
    public static ReadOnlySpan<byte> SignatureContext => "edgecapture/presence/v1\0"u8;

    /// <summary>Encodes and signs a presence message.</summary>
    /// <param name="presence">The message.</param>
    /// <param name="device">The device key.</param>
    /// <returns>The payload.</returns>
    public static byte[] Encode(PresenceMessage presence, IMessageSigner device)
    {
        ArgumentNullException.ThrowIfNull(presence);
        DeviceIdentifier.Validate(presence.DeviceId);
        if (presence.BirthDeathSequence < 0)
        {
            throw new ArgumentException("bdSeq is not negative.", nameof(presence));
        }

        if (presence.BirthDetails.Length > ProtocolLimits.MaximumBirthDetailsLength || (!presence.Online && !presence.BirthDetails.IsEmpty))
        {
            throw new ArgumentException($"Birth details are at most {ProtocolLimits.MaximumBirthDetailsLength} bytes, and a death has none.", nameof(presence));
        }

        CborWriter writer = ProtocolCbor.Writer();
        writer.WriteStartArray(6);
        writer.WriteTextString(Type);
        writer.WriteTextString(presence.DeviceId);
        writer.WriteBoolean(presence.Online);
        writer.WriteInt64(presence.BirthDeathSequence);
        writer.WriteInt64(UnixTime.ToNanoseconds(presence.TimestampUtc));
        writer.WriteByteString(presence.BirthDetails.Span);
        writer.WriteEndArray();
        return SignedEnvelope.Seal(SignatureContext, writer.Encode(), device);
    }

    /// <summary>Decodes a presence message without trusting it: check <see cref="SignedMessage{T}.IsSignedBy"/> with the enrolled device key.</summary>
    /// <param name="payload">The received payload.</param>
    /// <returns>The decoded message and its signature.</returns>
    /// <exception cref="ProtocolFormatException">Malformed, oversized or inconsistent.</exception>
    public static SignedMessage<PresenceMessage> Decode(ReadOnlyMemory<byte> payload)
    {
        (PresenceMessage presence, ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> signature) =
            SignedEnvelope.Open(payload, ProtocolLimits.MaximumPresenceLength, What, Read);
        return new SignedMessage<PresenceMessage>(presence, body, signature, SignatureContext);
    }

    private static PresenceMessage Read(CborReader reader)
    {
        ProtocolCbor.ReadArrayStart(reader, 6, What);
        ProtocolCbor.ReadType(reader, Type, What);
        string deviceId = ProtocolCbor.ReadDeviceId(reader, What);
        bool online = reader.ReadBoolean();
        long sequence = ProtocolCbor.ReadNonNegativeInt64(reader, What + " bdSeq");
        long timestamp = reader.ReadInt64();
        ReadOnlyMemory<byte> details = ProtocolCbor.ReadBoundedBytes(reader, ProtocolLimits.MaximumBirthDetailsLength, What + " birth details");
        reader.ReadEndArray();
        if (!online && !details.IsEmpty)
        {
            throw new ProtocolFormatException($"{What}: a death carries no birth details.");
        }

        return new PresenceMessage(deviceId, online, sequence, UnixTime.FromNanoseconds(timestamp), details.ToArray());
    }
}
