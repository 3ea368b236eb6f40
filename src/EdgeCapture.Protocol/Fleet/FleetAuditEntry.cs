using System.Security.Cryptography;
using System.Text;

namespace EdgeCapture.Protocol.Fleet;

/// <summary>
/// One entry of a box's append-only audit log: every command (accepted or not), every configuration change, and its
/// outcome. Entries are hash-chained: <see cref="Hash"/> = SHA-256 of <see cref="PreviousHash"/>, a newline and the
/// entry's JSON with an empty hash, so removing, reordering or altering an entry breaks every later hash.
/// </summary>
/// <param name="Device">The box.</param>
/// <param name="Sequence">1, 2, 3, ... without gaps.</param>
/// <param name="At">When.</param>
/// <param name="Kind"><c>command</c> or <c>configuration</c>.</param>
/// <param name="Subject">The command name, or the configuration scope (<c>device</c>, <c>group:NAME</c>).</param>
/// <param name="CommandId">The command id or desired version, or null.</param>
/// <param name="Signer">Fingerprint of the signer, or null when unsigned.</param>
/// <param name="Role">The signer's role on this box, or null when not trusted.</param>
/// <param name="Outcome">See <see cref="FleetOutcomes"/>.</param>
/// <param name="Reason">A <see cref="FleetRejections"/> code, or null.</param>
/// <param name="Detail">Human-readable detail.</param>
/// <param name="PreviousHash">The previous entry's hash (64 zeros for the first).</param>
/// <param name="Hash">This entry's hash.</param>
public sealed record FleetAuditEntry(string Device, long Sequence, DateTimeOffset At, string Kind, string Subject, string? CommandId, string? Signer, string? Role, string Outcome, string? Reason, string? Detail, string PreviousHash, string Hash)
{
    /// <summary>The previous hash of the first entry.</summary>
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>The hash this entry must have, given its fields and <see cref="PreviousHash"/>.</summary>
    /// <returns>64 lowercase hex digits.</returns>
    public string ComputeHash()
    {
        byte[] body = FleetJsonMessages.Encode(this with { Hash = string.Empty });
        byte[] previous = Encoding.ASCII.GetBytes(PreviousHash + "\n");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(previous);
        hash.AppendData(body);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Whether <paramref name="entries"/> (in order, from the first or from a known entry) form an unbroken chain.</summary>
    /// <param name="entries">The entries.</param>
    /// <param name="previousHash">The hash before the first given entry.</param>
    /// <param name="brokenAt">The sequence number where the chain breaks, or 0.</param>
    /// <returns>Whether the chain holds.</returns>
    public static bool VerifyChain(IEnumerable<FleetAuditEntry> entries, string previousHash, out long brokenAt)
    {
        ArgumentNullException.ThrowIfNull(entries);
        brokenAt = 0;
        long expectedSequence = -1;
        foreach (FleetAuditEntry entry in entries)
        {
            if (entry.PreviousHash != previousHash || entry.ComputeHash() != entry.Hash || (expectedSequence >= 0 && entry.Sequence != expectedSequence))
            {
                brokenAt = entry.Sequence;
                return false;
            }

            previousHash = entry.Hash;
            expectedSequence = entry.Sequence + 1;
        }

        return true;
    }
}
