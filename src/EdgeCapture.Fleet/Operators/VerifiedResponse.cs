using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Fleet.Operators;

/// <summary>A box's response as the operator received it.</summary>
/// <param name="Response">The response.</param>
/// <param name="SignatureVerified">True when signed by the device key the box announced in its birth.</param>
/// <param name="Latency">Time from sending the command to receiving this.</param>
public sealed record VerifiedResponse(FleetResponse Response, bool SignatureVerified, TimeSpan Latency);
