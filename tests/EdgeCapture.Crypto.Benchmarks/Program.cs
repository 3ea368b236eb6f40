using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace EdgeCapture.Crypto.Benchmarks;

/// <summary>
/// Encrypts and decrypts one large file on disk with three peers in the same run: the `age` 1.1.1 CLI, our
/// `edgecapture` CLI, and our library (this program re-run as a child in a library mode), each under
/// /usr/bin/time for wall time and peak RSS. Prints medians and ratios against age. Not a test: run by hand or
/// by the cake Bench target. Usage: [--size-mib 1024] [--runs 3] [--edgecapture path/to/edgecapture].
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 4 && args[0] is "library-encrypt" or "library-decrypt")
        {
            return RunLibrary(args[0], args[1], args[2], args[3]);
        }

        int sizeMiB = IntOption(args, "--size-mib", 1024);
        int runs = IntOption(args, "--runs", 3);
        string edgecapture = StringOption(args, "--edgecapture") ?? FindEdgecapture();
        foreach (string tool in new[] { "/usr/bin/age", "/usr/bin/age-keygen", "/usr/bin/time", edgecapture })
        {
            if (!File.Exists(tool))
            {
                Console.Error.WriteLine($"missing {tool} (needs Debian packages age and time, and a built edgecapture)");
                return 2;
            }
        }

        string directory = Directory.CreateTempSubdirectory("edgecapture-crypto-bench-").FullName;
        try
        {
            return Measure(directory, sizeMiB, runs, edgecapture);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static int Measure(string directory, int sizeMiB, int runs, string edgecapture)
    {
        string plain = Path.Combine(directory, "plain.bin");
        string key = Path.Combine(directory, "custodian.key");
        string encrypted = Path.Combine(directory, "reference.age");
        string output = Path.Combine(directory, "out.age");
        using (var file = new FileStream(plain, FileMode.CreateNew))
        {
            byte[] block = new byte[1 << 20];
            for (int i = 0; i < sizeMiB; i++)
            {
                RandomNumberGenerator.Fill(block);
                file.Write(block);
            }
        }

        Run("/usr/bin/age-keygen", ["-o", key]);
        string recipient = Run("/usr/bin/age-keygen", ["-y", key]).Trim();
        Run("/usr/bin/age", ["-e", "-r", recipient, "-o", encrypted, plain]);
        string self = Environment.ProcessPath!;
        string selfDll = typeof(Program).Assembly.Location;
        bool selfIsHost = Path.GetFileNameWithoutExtension(self) == "dotnet";

        var peers = new (string Name, Func<string, string[]> Encrypt, Func<string, string[]> Decrypt)[]
        {
            ("age 1.1.1", o => ["/usr/bin/age", "-e", "-r", recipient, "-o", o, plain], o => ["/usr/bin/age", "-d", "-i", key, "-o", o, encrypted]),
            ("edgecapture CLI", o => [edgecapture, "encrypt", "-r", recipient, "-o", o, plain], o => [edgecapture, "decrypt", "-i", key, "-o", o, encrypted]),
            ("library (2 cores)", o => Self(self, selfDll, selfIsHost, "library-encrypt", recipient, plain, o), o => Self(self, selfDll, selfIsHost, "library-decrypt", key, encrypted, o)),
        };

        var results = new Dictionary<(string Peer, string Operation), List<(double Seconds, long PeakKiB)>>();
        for (int run = 0; run < runs; run++)
        {
            // Interleave peers so load from other processes on this shared machine hits them alike.
            foreach (var peer in peers)
            {
                File.Delete(output);
                Record(results, peer.Name, "encrypt", TimeIt(peer.Encrypt(output)));
                Record(results, peer.Name, "decrypt", TimeIt(peer.Decrypt("/dev/null")));
            }
        }

        File.Delete(output);
        double megabytes = sizeMiB * 1024.0 * 1024.0 / 1e6;
        Console.WriteLine($"# age v1 X25519, {sizeMiB} MiB file on disk, median of {runs} runs, {Environment.ProcessorCount} cores; encrypt writes a file, decrypt writes /dev/null");
        Console.WriteLine();
        Console.WriteLine("| operation | peer | wall s | MB/s | peak RSS MiB | time ratio vs age | memory ratio vs age |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (string operation in new[] { "encrypt", "decrypt" })
        {
            (double ageSeconds, long ageKiB) = Median(results[(peers[0].Name, operation)]);
            foreach (var peer in peers)
            {
                (double seconds, long kib) = Median(results[(peer.Name, operation)]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {operation} | {peer.Name} | {seconds:F2} | {megabytes / seconds:F0} | {kib / 1024.0:F1} | {seconds / ageSeconds:F2} | {(double)kib / ageKiB:F2} |"));
            }
        }

        return 0;
    }

    private static string[] Self(string self, string selfDll, bool selfIsHost, string mode, string keyArgument, string input, string output) =>
        selfIsHost ? [self, selfDll, mode, keyArgument, input, output] : [self, mode, keyArgument, input, output];

    private static int RunLibrary(string mode, string keyArgument, string input, string output)
    {
        using var source = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        using var destination = new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        if (mode == "library-encrypt")
        {
            using AgeEncryptingStream encrypting = AgeEncryptingStream.Create(destination, [AgeRecipient.Parse(keyArgument)], new AgeEncryptionOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, LeaveOpen = true });
            source.CopyTo(encrypting, 256 * 1024);
            encrypting.Complete();
            return 0;
        }

        IReadOnlyList<AgeIdentity> identities = AgeIdentity.LoadFile(keyArgument);
        using AgeDecryptingStream decrypting = AgeDecryptingStream.Open(source, identities, new AgeDecryptionOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, LeaveOpen = true });
        decrypting.CopyTo(destination, 256 * 1024);
        return 0;
    }

    private static (double Seconds, long PeakKiB) TimeIt(string[] command)
    {
        string report = Path.GetTempFileName();
        try
        {
            Run("/usr/bin/time", ["-f", "%e %M", "-o", report, .. command]);
            string[] fields = File.ReadAllText(report).Trim().Split(' ');
            return (double.Parse(fields[0], CultureInfo.InvariantCulture), long.Parse(fields[1], CultureInfo.InvariantCulture));
        }
        finally
        {
            File.Delete(report);
        }
    }

    private static string Run(string tool, string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Result}");
        }

        return output;
    }

    private static void Record(Dictionary<(string, string), List<(double, long)>> results, string peer, string operation, (double, long) sample)
    {
        if (!results.TryGetValue((peer, operation), out List<(double, long)>? list))
        {
            results[(peer, operation)] = list = [];
        }

        list.Add(sample);
    }

    private static (double Seconds, long PeakKiB) Median(List<(double Seconds, long PeakKiB)> samples) =>
        (samples.Select(s => s.Seconds).Order().ElementAt(samples.Count / 2), samples.Select(s => s.PeakKiB).Order().ElementAt(samples.Count / 2));

    private static string FindEdgecapture()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null)
        {
            foreach (string configuration in new[] { "Release", "Debug" })
            {
                string candidate = Path.Combine(directory, "src", "EdgeCapture.Cli", "bin", configuration, "net10.0", "edgecapture");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            directory = Path.GetDirectoryName(directory);
        }

        return "edgecapture";
    }

    private static int IntOption(string[] args, string name, int fallback) =>
        StringOption(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    private static string? StringOption(string[] args, string name)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
