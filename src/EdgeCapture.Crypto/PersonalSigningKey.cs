using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace EdgeCapture.Crypto;

/// <summary>Which person's signing key a key file holds; the file's key line names it, so one kind is never loaded as another.</summary>
public enum PersonalSigningKeyKind
{
    /// <summary>An IT operator's key: signs configuration and operational fleet commands (<c>EDGECAPTURE-OPERATOR-KEY-1</c>).</summary>
    Operator,

    /// <summary>The data custodian's signing key: the only key that may change who can read the data (<c>EDGECAPTURE-CUSTODIAN-SIGNING-KEY-1</c>).</summary>
    CustodianSigning,
}

/// <summary>
/// An Ed25519 signing key held by a person (an operator or the custodian), as opposed to the box's own
/// <see cref="DeviceSigningKey"/>. Boxes trust its <see cref="DevicePublicKey"/> (an Ed25519 public key) with a role.
/// </summary>
/// <remarks>
/// On-disk format (text, ASCII, mode 0600, never overwritten), like the device key with its own tag:
/// <code>
/// # EdgeCapture operator signing key (Ed25519). Secret: keep it mode 0600.
/// # created: 2025-01-01T00:00:00Z
/// # public key: ed25519:BASE64-OF-32-BYTE-PUBLIC-KEY
/// EDGECAPTURE-OPERATOR-KEY-1 BASE64-OF-32-BYTE-SEED
/// </code>
/// </remarks>
public sealed class PersonalSigningKey : IDisposable
{
    private readonly Key _key;
    private bool _disposed;

    private PersonalSigningKey(Key key, PersonalSigningKeyKind kind)
    {
        _key = key;
        Kind = kind;
        PublicKey = DevicePublicKey.FromBytes(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>Whose key this is.</summary>
    public PersonalSigningKeyKind Kind { get; }

    /// <summary>The public key boxes list as a trusted signer.</summary>
    public DevicePublicKey PublicKey { get; }

    /// <summary>The tag that starts the key line of <paramref name="kind"/>.</summary>
    /// <param name="kind">The key kind.</param>
    /// <returns>The tag.</returns>
    public static string KeyLinePrefix(PersonalSigningKeyKind kind) => kind switch
    {
        PersonalSigningKeyKind.Operator => "EDGECAPTURE-OPERATOR-KEY-1",
        PersonalSigningKeyKind.CustodianSigning => "EDGECAPTURE-CUSTODIAN-SIGNING-KEY-1",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Creates a new random key in memory (see <see cref="Save"/>).</summary>
    /// <param name="kind">Whose key it is.</param>
    /// <returns>The key; dispose it to wipe the secret.</returns>
    public static PersonalSigningKey Generate(PersonalSigningKeyKind kind) => new(Key.Create(SignatureAlgorithm.Ed25519, Ed25519SeedFile.ExportableKey), kind);

    /// <summary>Loads a key file of the given kind.</summary>
    /// <param name="path">The key file.</param>
    /// <param name="kind">The kind the file must hold.</param>
    /// <returns>The key.</returns>
    /// <exception cref="DeviceKeyFormatException">The file is malformed, of another kind, or group/others may access it.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static PersonalSigningKey Load(string path, PersonalSigningKeyKind kind)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (SecretFile.IsAccessibleByOthers(path))
        {
            throw new DeviceKeyFormatException($"Signing key file '{path}' is accessible by group or others; it must be mode 0600.");
        }

        byte[] contents = SecretFile.ReadAll(path);
        try
        {
            return Parse(contents, kind);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(contents);
        }
    }

    /// <summary>Parses the contents of a key file; wipe the buffer afterwards.</summary>
    /// <param name="contents">The file bytes.</param>
    /// <param name="kind">The kind the file must hold.</param>
    /// <returns>The key.</returns>
    /// <exception cref="DeviceKeyFormatException">The contents are malformed or of another kind.</exception>
    public static PersonalSigningKey Parse(byte[] contents, PersonalSigningKeyKind kind) =>
        new(Ed25519SeedFile.Parse(contents, KeyLinePrefix(kind), "Signing key file", " (is it another kind of key?)"), kind);

    /// <summary>Saves the key to a new file, mode 0600; never overwrites.</summary>
    /// <param name="path">The new file.</param>
    /// <param name="created">Creation time written in a comment.</param>
    /// <exception cref="IOException">The file exists or cannot be written.</exception>
    public void Save(string path, DateTimeOffset created) =>
        SecretFile.CreateNew(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 256, leaveOpen: true);
            WriteTo(writer, created);
        });

    /// <summary>Writes the key file format (the caller decides where the secret may go).</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="created">Creation time written in a comment.</param>
    public void WriteTo(TextWriter writer, DateTimeOffset created)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ObjectDisposedException.ThrowIf(_disposed, this);
        string who = Kind == PersonalSigningKeyKind.Operator ? "operator" : "custodian";
        Ed25519SeedFile.Write(writer, _key, KeyLinePrefix(Kind), $"EdgeCapture {who} signing key (Ed25519). Secret: keep it mode 0600.", PublicKey.ToString(), created);
    }

    /// <summary>Signs <paramref name="data"/> (Ed25519, deterministic).</summary>
    /// <param name="data">The message.</param>
    /// <returns>The 64-byte signature.</returns>
    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return SignatureAlgorithm.Ed25519.Sign(_key, data);
    }

    /// <summary>Names the kind and public key only.</summary>
    /// <returns>A description without the secret.</returns>
    public override string ToString() => Kind + " signing key " + PublicKey;

    /// <summary>Wipes the secret key.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _key.Dispose();
        }
    }
}
