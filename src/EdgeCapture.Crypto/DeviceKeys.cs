using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace EdgeCapture.Crypto;

/// <summary>
/// The box's Ed25519 signing key: signs segment manifests on the box; the fleet side holds the
/// <see cref="DevicePublicKey"/> to verify them (and the same types verify signed commands).
/// </summary>
/// <remarks>
/// On-disk format (text, ASCII, mode 0600, never overwritten):
/// <code>
/// # EdgeCapture device signing key (Ed25519). Secret: keep it mode 0600 on this box only.
/// # created: 2025-01-01T00:00:00Z
/// # public key: ed25519:BASE64-OF-32-BYTE-PUBLIC-KEY
/// EDGECAPTURE-DEVICE-KEY-1 BASE64-OF-32-BYTE-SEED
/// </code>
/// Lines starting with <c>#</c> and empty lines are ignored; exactly one key line is required; base64 is the
/// padded, canonical RFC 4648 standard alphabet. The seed is the RFC 8032 private key.
/// </remarks>
public sealed class DeviceSigningKey : IDisposable
{
    /// <summary>The tag that starts the key line.</summary>
    public const string KeyLinePrefix = "EDGECAPTURE-DEVICE-KEY-1";

    /// <summary>Size of a signature in bytes.</summary>
    public const int SignatureSize = 64;

    // Exportable so the key can be written to its file; it is exported only into wiped buffers.
    private readonly Key _key;
    private bool _disposed;

    private DeviceSigningKey(Key key)
    {
        _key = key;
        PublicKey = new DevicePublicKey(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>The public key to register with the fleet.</summary>
    public DevicePublicKey PublicKey { get; }

    /// <summary>Creates a new random signing key (in memory only; see <see cref="Save"/>).</summary>
    /// <returns>The key; dispose it to wipe the secret.</returns>
    public static DeviceSigningKey Generate() => new(Key.Create(SignatureAlgorithm.Ed25519, Ed25519SeedFile.ExportableKey));

    /// <summary>Loads a device key file.</summary>
    /// <param name="path">The key file.</param>
    /// <returns>The key.</returns>
    /// <exception cref="DeviceKeyFormatException">The file is malformed, or group/others may access it.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static DeviceSigningKey Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (SecretFile.IsAccessibleByOthers(path))
        {
            throw new DeviceKeyFormatException($"Device key file '{path}' is accessible by group or others; it must be mode 0600.");
        }

        byte[] contents = SecretFile.ReadAll(path);
        try
        {
            return Parse(contents);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(contents);
        }
    }

    /// <summary>Loads the key file, creating it with a new key (mode 0600) if it does not exist yet.</summary>
    /// <param name="path">The key file.</param>
    /// <param name="created">Creation time written if a key is created.</param>
    /// <returns>The key.</returns>
    /// <exception cref="DeviceKeyFormatException">An existing file is malformed or too permissive.</exception>
    public static DeviceSigningKey LoadOrCreate(string path, DateTimeOffset created)
    {
        if (File.Exists(path))
        {
            return Load(path);
        }

        DeviceSigningKey key = Generate();
        try
        {
            key.Save(path, created);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use theirs.
            key.Dispose();
            return Load(path);
        }
    }

    /// <summary>Parses the contents of a device key file; wipe the buffer afterwards.</summary>
    /// <param name="contents">The file bytes.</param>
    /// <returns>The key.</returns>
    /// <exception cref="DeviceKeyFormatException">The contents are malformed.</exception>
    public static DeviceSigningKey Parse(byte[] contents) =>
        new(Ed25519SeedFile.Parse(contents, KeyLinePrefix, "Device key file", string.Empty));

    /// <summary>Saves the key to a new file, mode 0600. Never overwrites an existing file.</summary>
    /// <param name="path">The new file.</param>
    /// <param name="created">Creation time written in a comment.</param>
    /// <exception cref="IOException">The file exists or cannot be written.</exception>
    public void Save(string path, DateTimeOffset created) =>
        SecretFile.CreateNew(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 256, leaveOpen: true);
            WriteTo(writer, created);
        });

    /// <summary>Writes the key file format to <paramref name="writer"/> (the caller decides where the secret may go).</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="created">Creation time written in a comment.</param>
    public void WriteTo(TextWriter writer, DateTimeOffset created)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ObjectDisposedException.ThrowIf(_disposed, this);
        Ed25519SeedFile.Write(writer, _key, KeyLinePrefix, "EdgeCapture device signing key (Ed25519). Secret: keep it mode 0600 on this box only.", PublicKey.ToString(), created);
    }

    /// <summary>Signs <paramref name="data"/> (Ed25519, deterministic).</summary>
    /// <param name="data">The message.</param>
    /// <returns>The 64-byte signature.</returns>
    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        byte[] signature = new byte[SignatureSize];
        Sign(data, signature);
        return signature;
    }

    /// <summary>Signs <paramref name="data"/> into <paramref name="signature"/> (64 bytes).</summary>
    /// <param name="data">The message.</param>
    /// <param name="signature">Receives the signature; exactly <see cref="SignatureSize"/> bytes.</param>
    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        SignatureAlgorithm.Ed25519.Sign(_key, data, signature);
    }

    /// <summary>Names the public key only.</summary>
    /// <returns>A description naming the public key.</returns>
    public override string ToString() => "device signing key " + PublicKey;

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

/// <summary>
/// A device's Ed25519 public key, written <c>ed25519:</c> followed by the padded standard base64 of its 32 bytes.
/// Public data: safe to log and store on the fleet side.
/// </summary>
public sealed class DevicePublicKey : IEquatable<DevicePublicKey>
{
    /// <summary>The text prefix.</summary>
    public const string Prefix = "ed25519:";

    private readonly byte[] _bytes;
    private readonly PublicKey _key;

    internal DevicePublicKey(byte[] bytes)
    {
        _bytes = bytes;
        _key = NSec.Cryptography.PublicKey.Import(SignatureAlgorithm.Ed25519, bytes, KeyBlobFormat.RawPublicKey);
    }

    /// <summary>Parses <c>ed25519:BASE64</c>.</summary>
    /// <param name="text">The public key text.</param>
    /// <returns>The key.</returns>
    /// <exception cref="DeviceKeyFormatException">The text is malformed.</exception>
    public static DevicePublicKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith(Prefix, StringComparison.Ordinal) || text.Length > 128)
        {
            throw new DeviceKeyFormatException("A device public key must look like 'ed25519:' followed by base64.");
        }

        byte[] ascii = Encoding.ASCII.GetBytes(text[Prefix.Length..]);
        byte[] bytes = new byte[35];
        if (!StrictBase64.TryDecodePadded(ascii, bytes, out int length) || length != 32)
        {
            throw new DeviceKeyFormatException("A device public key must be the canonical padded base64 of 32 bytes after 'ed25519:'.");
        }

        return FromBytes(bytes.AsSpan(0, 32));
    }

    /// <summary>Creates the key from its 32 raw bytes.</summary>
    /// <param name="rawKey">The RFC 8032 public key.</param>
    /// <returns>The key.</returns>
    /// <exception cref="DeviceKeyFormatException">The bytes are not an Ed25519 public key.</exception>
    public static DevicePublicKey FromBytes(ReadOnlySpan<byte> rawKey)
    {
        if (rawKey.Length != 32 || !NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, rawKey, KeyBlobFormat.RawPublicKey, out _))
        {
            throw new DeviceKeyFormatException("Not an Ed25519 public key (32 bytes).");
        }

        return new DevicePublicKey(rawKey.ToArray());
    }

    /// <summary>Verifies an Ed25519 signature made by the matching <see cref="DeviceSigningKey"/>.</summary>
    /// <param name="data">The message.</param>
    /// <param name="signature">The signature.</param>
    /// <returns>Whether the signature is valid for this key and message.</returns>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        signature.Length == DeviceSigningKey.SignatureSize && SignatureAlgorithm.Ed25519.Verify(_key, data, signature);

    /// <summary>The 32 raw public key bytes.</summary>
    /// <returns>A copy of the bytes.</returns>
    public byte[] ToArray() => (byte[])_bytes.Clone();

    /// <summary>The key as <c>ed25519:BASE64</c>.</summary>
    /// <returns>The text form.</returns>
    public override string ToString() => Prefix + Convert.ToBase64String(_bytes);

    /// <inheritdoc/>
    public bool Equals(DevicePublicKey? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as DevicePublicKey);

    /// <inheritdoc/>
    public override int GetHashCode() => BitConverter.ToInt32(_bytes, 0);
}

/// <summary>A device key file or public key string is malformed or unsafe. Messages never contain key material.</summary>
public sealed class DeviceKeyFormatException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public DeviceKeyFormatException()
        : base("The device key is malformed.")
    {
    }

    /// <summary>Creates the exception with a message that says what is wrong.</summary>
    /// <param name="message">What is wrong, without key material.</param>
    public DeviceKeyFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure that caused it.</summary>
    /// <param name="message">What is wrong, without key material.</param>
    /// <param name="innerException">The underlying failure.</param>
    public DeviceKeyFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
