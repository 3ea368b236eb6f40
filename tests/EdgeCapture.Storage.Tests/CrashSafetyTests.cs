using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Xunit.Abstractions;

namespace EdgeCapture.Storage.Tests;

/// <summary>
/// Kills a child process with SIGKILL while it appends, many times, and checks after each restart that every segment the
/// child reported (printed only after AppendSealedSegment returned) is present with intact ciphertext.
/// </summary>
public sealed class CrashSafetyTests(ITestOutputHelper output) : IDisposable
{
    private const int Kills = 8;
    private readonly OutboxDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Every_segment_reported_stored_before_a_kill_survives_it()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var stored = new Dictionary<SegmentKey, string>();
        var acknowledged = new HashSet<SegmentKey>();
        var sessions = new List<Guid>();

        for (int kill = 0; kill < Kills; kill++)
        {
            int segmentsBeforeKill = random.Next(1, 30);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            using Process child = StartChild(random.Next());
            try
            {
                string? opened = await child.StandardOutput.ReadLineAsync(timeout.Token);
                Assert.True(opened == "opened healthy", $"run {kill} (seed {seed}): child said '{opened}'; stderr: {await ReadErrorAsync(child)}");
                int seen = 0;
                while (seen < segmentsBeforeKill)
                {
                    string? line = await child.StandardOutput.ReadLineAsync(timeout.Token);
                    Assert.True(line is not null, $"run {kill} (seed {seed}): child exited early; stderr: {await ReadErrorAsync(child)}");
                    string[] fields = line.Split(' ');
                    var key = new SegmentKey(Guid.Parse(fields[1]), int.Parse(fields[2], CultureInfo.InvariantCulture));
                    if (fields[0] == "stored")
                    {
                        stored.Add(key, fields[3]);
                        if (!sessions.Contains(key.SessionId))
                        {
                            sessions.Add(key.SessionId);
                        }

                        seen++;
                    }
                    else
                    {
                        Assert.Equal("acknowledged", fields[0]);
                        acknowledged.Add(key);
                    }
                }

                // Let the child run into its next append for a random while before the kill lands.
                Thread.SpinWait(random.Next(0, 2_000_000));
            }
            finally
            {
                child.Kill(entireProcessTree: true);
                await child.WaitForExitAsync(CancellationToken.None);
            }

            output.WriteLine($"run {kill}: killed after {segmentsBeforeKill} reported segments (exit code {child.ExitCode})");
        }

        using SegmentOutbox outbox = _directory.Open();
        Assert.Null(outbox.StartupRecovery);
        Assert.Equal(Kills, sessions.Count);
        foreach ((SegmentKey key, string hash) in stored)
        {
            OutboxSegment segment = outbox.GetSegment(key) ?? throw new Xunit.Sdk.XunitException($"segment {key} reported stored is missing (seed {seed})");
            Assert.Equal(hash, Convert.ToHexString(segment.CiphertextSha256.Span));
            if (acknowledged.Contains(key))
            {
                Assert.Equal(UploadState.Acknowledged, segment.State);
                continue;
            }

            if (segment.State == UploadState.Acknowledged)
            {
                // Acknowledged durably just before the kill, before the child could print it.
                continue;
            }

            Assert.Equal(hash, Convert.ToHexString(SHA256.HashData(Segments.ReadCiphertext(outbox, key))));
        }

        foreach (Guid session in sessions)
        {
            int lastReported = stored.Keys.Where(key => key.SessionId == session).Max(key => key.SegmentIndex);
            Assert.True(outbox.GetChainHead(session)!.LastSegmentIndex >= lastReported);
        }

        Assert.Equal(outbox.GetStatistics().StoredBytes, outbox.StoredBytes);
    }

    [Fact]
    public async Task An_outbox_open_in_another_process_is_not_touched()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using Process child = StartChild(seed: 1);
        try
        {
            Assert.Equal("opened healthy", await child.StandardOutput.ReadLineAsync(timeout.Token));

            IOException refused = Assert.Throws<IOException>(() => _directory.Open());

            Assert.Contains("already open", refused.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(_directory.Files(), name => name.Contains(".corrupt-", StringComparison.Ordinal));
        }
        finally
        {
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync(CancellationToken.None);
        }

        // The kernel released the dead child's lock.
        using SegmentOutbox outbox = _directory.Open();
        Assert.Null(outbox.StartupRecovery);
    }

    private Process StartChild(int seed)
    {
        string assembly = typeof(CrashChildProgram).Assembly.Location;
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add(CrashChildProgram.Mode);
        start.ArgumentList.Add(_directory.DatabasePath);
        start.ArgumentList.Add(seed.ToString(CultureInfo.InvariantCulture));
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the crash child");
    }

    private static async Task<string> ReadErrorAsync(Process child)
    {
        if (!child.HasExited)
        {
            return "(still running)";
        }

        return await child.StandardError.ReadToEndAsync();
    }

    private static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        if (Environment.ProcessPath is { } process && Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            return process;
        }

        // <root>/shared/Microsoft.NETCore.App/<version>/ -> <root>/dotnet
        string beside = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
        return File.Exists(beside) ? beside : "dotnet";
    }
}
