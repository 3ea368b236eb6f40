using EdgeCapture.Crypto;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Fleet.Box;

/// <summary>A public key the box accepts signatures from, with the one role it holds here.</summary>
/// <param name="Name">Who it is (for audit and tables).</param>
/// <param name="Role">Its role on this box.</param>
/// <param name="PublicKey">The Ed25519 public key.</param>
public sealed record TrustedSigner(string Name, FleetRole Role, DevicePublicKey PublicKey)
{
    /// <summary>The key's fingerprint.</summary>
    public string Fingerprint => FleetFingerprint.Of(PublicKey.ToString());
}
