using System.Diagnostics;
using System.Text.RegularExpressions;
using EdgeCapture.Crypto;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Cli.Tests;

/// <summary>
/// Crash safety of recording, with the real program as the child: <c>edgecapture record --simulate</c> is killed with
/// SIGKILL at random moments, again and again. After each kill the database opens, every segment the child reported
/// sealed is there and verifies (signature, chain, decrypts with the custodian key), and the next run records a new session.
/// </summary>
public sealed partial class RecordCrashTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-record-crash-");

    [GeneratedRegex(@"^sealed (?<session>[0-9a-f-]{36})/(?<index>\d+) ")]
    private static partial Regex SealedLine();

    [Fact]
    public void Segments_reported_sealed_survive_sigkill_and_recording_resumes_in_a_new_session()
    {
        using AgeIdentity custodian = AgeIdentity.Generate();
        string dataDirectory = Path.Combine(_directory.FullName, "data");
        var random = new Random(20250301);
        var sealedKeys = new List<SegmentKey>();
        var sessionsPerRun = new List<HashSet<Guid>>();
        var budget = Stopwatch.StartNew();
        int runs = 0;
        while (runs < 12 && budget.Elapsed < TimeSpan.FromSeconds(45))
        {
            runs++;
            var sealedThisRun = new List<SegmentKey>();
            using var child = Process.Start(new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "edgecapture"),
                ["record", "--simulate", "--seed", runs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--duration", "60", "--segment-seconds", "0.2",
                 "--data-dir", dataDirectory, "--recipient", custodian.Recipient.ToString()])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            child.ErrorDataReceived += (_, _) => { };
            child.BeginErrorReadLine();

            // Kill after a random number of durable seals, at a random moment after the last one.
            int sealsBeforeKill = random.Next(1, 5);
            while (sealedThisRun.Count < sealsBeforeKill && child.StandardOutput.ReadLine() is { } line)
            {
                Match match = SealedLine().Match(line);
                if (match.Success)
                {
                    sealedThisRun.Add(new SegmentKey(Guid.Parse(match.Groups["session"].Value), int.Parse(match.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture)));
                }
            }

            // The kill lands at a random moment after the last reported seal; the child must still be running then.
            Assert.False(child.WaitForExit(random.Next(0, 250)), $"run {runs}: the child exited before it was killed");
            child.Kill();
            child.WaitForExit();
            Assert.True(sealedThisRun.Count >= sealsBeforeKill, $"run {runs}: the child ended before sealing {sealsBeforeKill} segments");
            sealedKeys.AddRange(sealedThisRun);
            sessionsPerRun.Add([.. sealedThisRun.Select(key => key.SessionId)]);

            // After each kill: the database opens, and everything reported sealed is there and verifies.
            using DeviceSigningKey deviceKey = DeviceSigningKey.Load(Path.Combine(dataDirectory, "device.key"));
            using var outbox = SegmentOutbox.Open(Path.Combine(dataDirectory, "outbox.db"), new OutboxOptions(), NullLogger<SegmentOutbox>.Instance, TimeProvider.System);
            Assert.Null(outbox.StartupRecovery);
            foreach (SegmentKey key in sealedKeys)
            {
                Assert.NotNull(outbox.GetSegment(key));
            }

            var decrypted = new HashSet<SegmentKey>();
            VerificationReport report = SegmentChainVerifier.Verify(outbox, deviceKey.PublicKey, [custodian], (key, _) => decrypted.Add(key));
            Assert.True(report.IsValid, string.Join("\n", report.Errors.Select(error => error.Message)));
            Assert.Subset(decrypted, sealedKeys.ToHashSet());
            Assert.DoesNotContain(report.Warnings, warning => warning.Problem == VerificationProblem.SessionHeadNotHeld);
        }

        Assert.True(runs >= 4, $"only {runs} runs fit in the time budget");

        // Each restart recorded in sessions of its own.
        for (int run = 1; run < sessionsPerRun.Count; run++)
        {
            Assert.Empty(sessionsPerRun[run].Intersect(sessionsPerRun.Take(run).SelectMany(sessions => sessions)));
        }
    }

    [Fact]
    public void Verify_exits_non_zero_when_a_segment_was_altered()
    {
        using AgeIdentity custodian = AgeIdentity.Generate();
        string dataDirectory = Path.Combine(_directory.FullName, "tampered");
        string identityPath = Path.Combine(_directory.FullName, "custodian.txt");
        custodian.SaveFile(identityPath, DateTimeOffset.UnixEpoch);
        using (var child = Process.Start(new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "edgecapture"),
            ["record", "--simulate", "--seed", "2", "--duration", "3", "--segment-seconds", "0.3", "--data-dir", dataDirectory, "--recipient", custodian.Recipient.ToString()])
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!)
        {
            string output = child.StandardOutput.ReadToEnd();
            child.WaitForExit();
            Assert.Equal(0, child.ExitCode);
            Assert.Contains(output.Split('\n'), line => SealedLine().IsMatch(line));
        }

        Assert.Equal(0, Run(["verify", "--data-dir", dataDirectory, "-i", identityPath], out string good));
        Assert.Contains("verify: OK", good, StringComparison.Ordinal);

        // Counts and the end reason are sealed: printed after decrypting, and only then ("Sealed at rest").
        Assert.Matches(@"keys [0-9]+, mouse [1-9][0-9]*, frames [0-9]+, markers [0-9]+, [0-9]+ bytes, end [A-Za-z]+", good);
        Assert.Contains("end Shutdown", good, StringComparison.Ordinal);
        Assert.Equal(0, Run(["verify", "--data-dir", dataDirectory], out string closed));
        Assert.Contains("counts sealed (give -i), ", closed, StringComparison.Ordinal);
        Assert.Contains("end sealed (ended)", closed, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"keys [0-9]", closed);

        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dataDirectory, "outbox.db")};Pooling=False"))
        {
            connection.Open();
            using Microsoft.Data.Sqlite.SqliteCommand command = connection.CreateCommand();
            command.CommandText = "UPDATE segment_payloads SET ciphertext = zeroblob(length(ciphertext)) WHERE segment_id = (SELECT MAX(segment_id) FROM segment_payloads);";
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        Assert.True(Run(["verify", "--data-dir", dataDirectory], out string bad) == 1, bad);
        Assert.Contains("CiphertextAltered", bad, StringComparison.Ordinal);
    }

    private static int Run(string[] arguments, out string output)
    {
        using var child = Process.Start(new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "edgecapture"), arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        output = child.StandardOutput.ReadToEnd() + child.StandardError.ReadToEnd();
        child.WaitForExit();
        return child.ExitCode;
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
