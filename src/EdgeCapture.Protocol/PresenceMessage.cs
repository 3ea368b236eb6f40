namespace EdgeCapture.Protocol;

/// <summary>
/// A box's birth (retained on <c>up/presence</c> right after connecting) or death (the same topic, as the MQTT Will,
/// also retained). Both carry the birth/death sequence number (<c>bdSeq</c>, after Sparkplug): the box increments it
/// durably before every connection, and the Will of that connection carries the same number, so a receiver ignores
/// a death whose <see cref="BirthDeathSequence"/> is older than the birth it already holds.
/// </summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Online">True for a birth, false for a death.</param>
/// <param name="BirthDeathSequence">The connection's bdSeq (non-negative).</param>
/// <param name="TimestampUtc">When the box composed it (for a Will: when it connected).</param>
/// <param name="BirthDetails">
/// Opaque details the fleet layer adds to a birth (versions, fingerprints, privacy state: its own versioned CBOR
/// document, at most <see cref="ProtocolLimits.MaximumBirthDetailsLength"/> bytes); empty when there are none and for a death.
/// </param>
public sealed record PresenceMessage(
    string DeviceId,
    bool Online,
    long BirthDeathSequence,
    DateTimeOffset TimestampUtc,
    ReadOnlyMemory<byte> BirthDetails);
