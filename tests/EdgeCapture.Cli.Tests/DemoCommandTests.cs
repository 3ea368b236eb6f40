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
            Assert.Contains("collector verify: OK", text, StringComparison.Ordinal);
            Assert.Contains("the box's outbox is empty", text, StringComparison.Ordinal);
            System.Text.RegularExpressions.Match gated = System.Text.RegularExpressions.Regex.Match(text, @"events received \d+, accepted \d+, gated (?<gated>\d+)");
            Assert.True(gated.Success, text);
            Assert.True(int.Parse(gated.Groups["gated"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, "the private interval gated nothing:\n" + text);

            // The box side holds no identity: only the custodian's folder can open the outbox.
            Assert.False(File.Exists(Path.Combine(work.FullName, "box", "identity.txt")));
            Assert.True(File.Exists(Path.Combine(work.FullName, "custodian", "identity.txt")));
            Assert.Equal(
                UnixFileMode.UserRead | UnixFileMode.UserWrite,
                File.GetUnixFileMode(Path.Combine(work.FullName, "custodian", "identity.txt")));

            // Every stored segment in DIR/collector is an age file the stock age CLI opens with the custodian's identity,
            // and the collector's store holds no identity.
            string[] stored = Directory.GetFiles(Path.Combine(work.FullName, "collector", "segments"), "*.age", SearchOption.AllDirectories);
            Assert.NotEmpty(stored);
            Assert.Empty(Directory.GetFiles(Path.Combine(work.FullName, "collector"), "identity*", SearchOption.AllDirectories));
            string? age = EdgeCapture.TestSupport.ExternalTool.Require("age", "age");
            if (age is not null)
            {
                foreach (string file in stored)
                {
                    using var decrypt = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(age, ["-d", "-i", Path.Combine(work.FullName, "custodian", "identity.txt"), file])
                    {
                        RedirectStandardOutput = true,
                        RedirectStandardError = true,
                        UseShellExecute = false,
                    })!;
                    using var plaintext = new MemoryStream();
                    Task copy = decrypt.StandardOutput.BaseStream.CopyToAsync(plaintext);
                    string stderr = await decrypt.StandardError.ReadToEndAsync();
                    await copy;
                    await decrypt.WaitForExitAsync();
                    Assert.True(decrypt.ExitCode == 0, $"age -d {file}: {stderr}");
                    // A segment's plaintext is a CBOR sequence starting with its header record [0, 1, ...].
                    Assert.True(plaintext.Length > 0 && plaintext.GetBuffer()[0] >> 5 == 4, $"{file} did not decrypt to a segment");
                }
            }

            // The custodian's export reads the same store (--store): every stored segment verified and exported.
            var exportOutput = new StringWriter();
            var exportError = new StringWriter();
            string dataset = Path.Combine(work.FullName, "dataset");
            int exported = await Program.RunAsync(
                ["dataset", "export", "--store", Path.Combine(work.FullName, "collector"), "-i", Path.Combine(work.FullName, "custodian", "identity.txt"), "-o", dataset, "--format", "both", "--json"],
                new InvocationConfiguration { Output = exportOutput, Error = exportError });
            Assert.True(exported == 0, $"dataset export --store: exit {exported}\n{exportOutput}\n{exportError}");
            using (var summary = System.Text.Json.JsonDocument.Parse(exportOutput.ToString()))
            {
                Assert.Equal(stored.Length, summary.RootElement.GetProperty("segments").GetInt32());
                Assert.True(summary.RootElement.GetProperty("events").GetInt64() > 0, exportOutput.ToString());
                Assert.StartsWith("collector store ", summary.RootElement.GetProperty("source").GetString(), StringComparison.Ordinal);
            }

            Assert.True(File.Exists(Path.Combine(dataset, "data", "events", "train-00000-of-00001.parquet")));

            // A folder that holds no store is a clear file problem, and is not created.
            var missingError = new StringWriter();
            string missing = Path.Combine(work.FullName, "no-store");
            int refused = await Program.RunAsync(
                ["dataset", "export", "--store", missing, "-i", Path.Combine(work.FullName, "custodian", "identity.txt"), "-o", Path.Combine(work.FullName, "dataset-2")],
                new InvocationConfiguration { Output = new StringWriter(), Error = missingError });
            Assert.NotEqual(0, refused);
            Assert.Contains("No collector store", missingError.ToString(), StringComparison.Ordinal);
            Assert.False(Directory.Exists(missing));
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

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("--seconds", error.ToString(), StringComparison.Ordinal);
    }
}
