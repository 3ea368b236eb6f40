using System.CommandLine;
using System.Text.RegularExpressions;

namespace EdgeCapture.Cli.Tests;

/// <summary>
/// The README's main command, end to end: a collector with its embedded broker, three simulated boxes uploading live, the
/// custodian's export, and a summary whose every proof must hold (exit 0).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_runs_three_boxes_and_every_proof_in_the_summary_holds()
    {
        DirectoryInfo work = Directory.CreateTempSubdirectory("edgecapture-demo-test-");
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();

            int exitCode = await Program.RunAsync(
                ["demo", "--seconds", "16", "--work-dir", work.FullName],
                new InvocationConfiguration { Output = output, Error = error });

            string text = output.ToString();
            Assert.True(exitCode == 0, $"exit {exitCode}\n{text}\n{error}");
            Assert.Contains("demo: OK, every proof holds", text, StringComparison.Ordinal);
            Assert.DoesNotContain("[FAIL]", text, StringComparison.Ordinal);
            foreach (string proof in new[] { "private intervals honoured", "lock-screen password absent", "forgotten window absent", "segments sealed, uploaded, stored (none lost or duplicated)", "fleet command and configuration change, signed both ways" })
            {
                Assert.Contains($"[PASS] {proof}: ", text, StringComparison.Ordinal);
            }

            // Three boxes, each with its own key, configuration and outbox, all uploading to the one collector.
            foreach (string box in new[] { "demo-box-1", "demo-box-2", "demo-box-3" })
            {
                string directory = Path.Combine(work.FullName, "boxes", box);
                Assert.True(File.Exists(Path.Combine(directory, "appliance.json")), box);
                Assert.True(File.Exists(Path.Combine(directory, "device.key")), box);
                Assert.Matches(new Regex($@"{box}: recorded [\d,]+ input events"), text);
                Assert.Matches(new Regex($@"{box}: .*segments sealed [1-9]\d*, stored [1-9]"), text);
                Assert.False(File.Exists(Path.Combine(directory, "identity.txt")), "a box holds no identity");
            }

            // The live view's plain lines (the output is not a terminal), the switch flips, the lock and the forget press.
            Assert.Matches(new Regex(@"demo-box-1: PRIVATE, events \d+ \(gated [1-9]"), text);
            Assert.Contains("demo-box-3: forget button: ", text, StringComparison.Ordinal);
            Assert.Matches(new Regex(@"demo-box-1: .*lock-screen keys suppressed [1-9]"), text);
            Assert.Contains("fleet: ", text, StringComparison.Ordinal);

            // The custodian keeps the identity (0600); the collector's store holds none; the dataset is where the summary says.
            string identity = Path.Combine(work.FullName, "custodian", "identity.txt");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(identity));
            Assert.Empty(Directory.GetFiles(Path.Combine(work.FullName, "collector"), "identity*", SearchOption.AllDirectories));
            string dataset = Path.Combine(work.FullName, "dataset");
            Assert.Contains($"datasets.load_dataset(\"{dataset}\")", text, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(dataset, "data", "events", "train-00000-of-00001.parquet")));
            Assert.True(File.Exists(Path.Combine(dataset, "README.md")));

            // Every stored segment is an age file the stock age CLI opens with the custodian's identity.
            string[] stored = Directory.GetFiles(Path.Combine(work.FullName, "collector", "segments"), "*.age", SearchOption.AllDirectories);
            Assert.NotEmpty(stored);
            string? age = EdgeCapture.TestSupport.ExternalTool.Require("age", "age");
            if (age is not null)
            {
                using var decrypt = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(age, ["-d", "-i", identity, "-o", "/dev/null", stored[0]])
                {
                    RedirectStandardError = true,
                    UseShellExecute = false,
                })!;
                string stderr = await decrypt.StandardError.ReadToEndAsync();
                await decrypt.WaitForExitAsync();
                Assert.True(decrypt.ExitCode == 0, $"age -d {stored[0]}: {stderr}");
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Demo_refuses_a_length_too_short_for_its_plan()
    {
        var error = new StringWriter();

        int exitCode = await Program.RunAsync(["demo", "--seconds", "4"], new InvocationConfiguration { Output = new StringWriter(), Error = error });

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("--seconds", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_refuses_a_work_dir_that_is_not_empty()
    {
        DirectoryInfo work = Directory.CreateTempSubdirectory("edgecapture-demo-test-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(work.FullName, "keep.txt"), "mine");
            var error = new StringWriter();

            int exitCode = await Program.RunAsync(["demo", "--work-dir", work.FullName], new InvocationConfiguration { Output = new StringWriter(), Error = error });

            Assert.Equal(ExitCodes.Usage, exitCode);
            Assert.Contains("not empty", error.ToString(), StringComparison.Ordinal);
            Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(work.FullName, "keep.txt")));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
