using System.CommandLine;

namespace EdgeCapture.Cli.Tests;

/// <summary>The README's main-job command, end to end: it must record, seal, and let the custodian open what was sealed.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_records_gates_the_private_interval_and_the_custodian_opens_every_segment()
    {
        DirectoryInfo work = Directory.CreateTempSubdirectory("edgecapture-demo-test-");
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();

            int exitCode = await Program.RunAsync(
                ["demo", "--seconds", "6", "--work-dir", work.FullName],
                new InvocationConfiguration { Output = output, Error = error });

            string text = output.ToString();
            Assert.True(exitCode == 0, $"exit {exitCode}\n{text}\n{error}");
            Assert.Contains("sealed ", text, StringComparison.Ordinal);
            Assert.Contains("end=PrivacyEngaged", text, StringComparison.Ordinal);
            Assert.Contains("verify: OK", text, StringComparison.Ordinal);
            System.Text.RegularExpressions.Match gated = System.Text.RegularExpressions.Regex.Match(text, @"events received \d+, accepted \d+, gated (?<gated>\d+)");
            Assert.True(gated.Success, text);
            Assert.True(int.Parse(gated.Groups["gated"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, "the private interval gated nothing:\n" + text);

            // The box side holds no identity: only the custodian's folder can open the outbox.
            Assert.False(File.Exists(Path.Combine(work.FullName, "box", "identity.txt")));
            Assert.True(File.Exists(Path.Combine(work.FullName, "custodian", "identity.txt")));
            Assert.Equal(
                UnixFileMode.UserRead | UnixFileMode.UserWrite,
                File.GetUnixFileMode(Path.Combine(work.FullName, "custodian", "identity.txt")));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Demo_refuses_a_length_too_short_to_show_a_privacy_flip()
    {
        var error = new StringWriter();

        int exitCode = await Program.RunAsync(["demo", "--seconds", "1"], new InvocationConfiguration { Output = new StringWriter(), Error = error });

        Assert.Equal(Program.UsageExitCode, exitCode);
        Assert.Contains("--seconds", error.ToString(), StringComparison.Ordinal);
    }
}
