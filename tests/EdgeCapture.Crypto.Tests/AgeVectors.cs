using System.IO.Compression;
using System.Text;

namespace EdgeCapture.Crypto.Tests;

/// <summary>
/// The C2SP CCTV age vectors from the npm package cctv-age (vectors/package.json, locked by package-lock.json).
/// The first use restores them when vectors/testdata is missing: <c>npm ci</c> then <c>node extract.mjs</c>.
/// </summary>
internal static class AgeVectors
{
    public const int ExpectedCount = 143;

    private static readonly Lazy<string> LazyDirectory = new(Restore, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Directory => LazyDirectory.Value;

    public static string VectorsProjectDirectory
    {
        get
        {
            string? directory = AppContext.BaseDirectory;
            while (directory is not null)
            {
                string candidate = Path.Combine(directory, "tests", "EdgeCapture.Crypto.Tests", "vectors");
                if (File.Exists(Path.Combine(candidate, "package.json")))
                {
                    return candidate;
                }

                directory = Path.GetDirectoryName(directory);
            }

            throw new InvalidOperationException("Cannot find tests/EdgeCapture.Crypto.Tests/vectors above " + AppContext.BaseDirectory);
        }
    }

    public static IEnumerable<string> Names() =>
        System.IO.Directory.GetFiles(Directory).Select(Path.GetFileName).Where(n => n is not null && n != "COUNT").Select(n => n!).Order(StringComparer.Ordinal);

    public static AgeVector Load(string name) => AgeVector.Parse(name, File.ReadAllBytes(Path.Combine(Directory, name)));

    private static string Restore()
    {
        string project = VectorsProjectDirectory;
        string testdata = Path.Combine(project, "testdata");
        if (File.Exists(Path.Combine(testdata, "COUNT")))
        {
            return testdata;
        }

        // No vectors yet: restore them the way CI does. Without node/npm the vector tests cannot run at all.
        string npm = ExternalTool.Find("npm") ?? throw new InvalidOperationException("The age test vectors are missing and npm is not installed: run 'npm ci && node extract.mjs' in " + project);
        string node = ExternalTool.Find("node") ?? throw new InvalidOperationException("node is not installed; it is needed to extract the age test vectors.");
        (int code, _, string error) = ExternalTool.Run(npm, ["ci", "--no-audit", "--no-fund"], workingDirectory: project);
        if (code != 0)
        {
            throw new InvalidOperationException("npm ci failed in " + project + ": " + error);
        }

        (code, _, error) = ExternalTool.Run(node, ["extract.mjs"], workingDirectory: project);
        if (code != 0)
        {
            throw new InvalidOperationException("node extract.mjs failed: " + error);
        }

        return testdata;
    }
}

/// <summary>One vector: its <c>key: value</c> header and the file that follows the blank line.</summary>
internal sealed record AgeVector(string Name, string Expect, string? PayloadHash, IReadOnlyList<string> Identities, IReadOnlyList<string> Passphrases, bool Armored, byte[] File)
{
    public static AgeVector Parse(string name, byte[] contents)
    {
        int position = 0;
        string expect = string.Empty;
        string? payload = null;
        bool armored = false;
        bool compressed = false;
        var identities = new List<string>();
        var passphrases = new List<string>();
        while (true)
        {
            int end = Array.IndexOf(contents, (byte)'\n', position);
            string line = Encoding.UTF8.GetString(contents, position, end - position);
            position = end + 1;
            if (line.Length == 0)
            {
                break;
            }

            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            string key = line[..colon];
            string value = line[(colon + 2)..];
            switch (key)
            {
                case "expect": expect = value; break;
                case "payload": payload = value; break;
                case "identity": identities.Add(value); break;
                case "passphrase": passphrases.Add(value); break;
                case "armored": armored = value == "yes"; break;
                case "compressed": compressed = value == "zlib"; break;
                default: break;
            }
        }

        byte[] file = contents[position..];
        if (compressed)
        {
            using var inflater = new ZLibStream(new MemoryStream(file), CompressionMode.Decompress);
            using var inflated = new MemoryStream();
            inflater.CopyTo(inflated);
            file = inflated.ToArray();
        }

        return new AgeVector(name, expect, payload, identities, passphrases, armored, file);
    }

    public override string ToString() => Name;
}
