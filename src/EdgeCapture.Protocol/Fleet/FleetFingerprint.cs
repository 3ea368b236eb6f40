using System.Security.Cryptography;
using System.Text;

namespace EdgeCapture.Protocol.Fleet;

/// <summary>Short public fingerprints of keys for births, audit and tables: <c>sha256:</c> and 32 hex digits of the key's text form.</summary>
public static class FleetFingerprint
{
    /// <summary>The fingerprint of a public key's text form (<c>ed25519:...</c> or <c>age1...</c>).</summary>
    /// <param name="publicKeyText">The public key text.</param>
    /// <returns>The fingerprint.</returns>
    public static string Of(string publicKeyText)
    {
        ArgumentNullException.ThrowIfNull(publicKeyText);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(publicKeyText)).AsSpan(0, 16));
    }
}
