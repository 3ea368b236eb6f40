using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeCapture.Crypto;

namespace EdgeCapture.Cli.Tests;

/// <summary><c>edgecapture dataset export</c> end to end: a simulated box records, the custodian exports its outbox.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DatasetCommandTests
{
    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = await Program.RunAsync(args, new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Export_of_a_recorded_outbox_prints_a_json_summary_and_creates_the_dataset()
    {
        DirectoryInfo work = Directory.CreateTempSubdirectory("edgecapture-dataset-cli-");
        try
        {
            (string box, string identityPath) = await RecordedOutbox.RecordAsync(work.FullName, seconds: 4);

            string output = Path.Combine(work.FullName, "dataset");
            (int exitCode, string text, string error) = await RunAsync("dataset", "export", "--outbox", box, "-i", identityPath, "-o", output, "--format", "both", "--json");

            Assert.True(exitCode == 0, text + error);
            using JsonDocument summary = JsonDocument.Parse(text);
            Assert.True(summary.RootElement.GetProperty("events").GetInt64() > 0);
            Assert.True(summary.RootElement.GetProperty("segments").GetInt32() >= 3);
            Assert.Equal("data/events/train-00000-of-00001.parquet", summary.RootElement.GetProperty("eventShards")[0].GetString());
            Assert.True(File.Exists(Path.Combine(output, "data", "steps", "train-00000-of-00001.parquet")));
            Assert.True(File.Exists(Path.Combine(output, "README.md")));
            Assert.NotEmpty(Directory.GetDirectories(Path.Combine(output, "raw")));
            Assert.Contains("dataset export: verified", error, StringComparison.Ordinal);

            // A second export to the same folder is refused and leaves the first one alone.
            (int again, string _, string againError) = await RunAsync("dataset", "export", "--outbox", box, "-i", identityPath, "-o", output);
            Assert.Equal(1, again);
            Assert.Contains("already exists", againError, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(output, "README.md")));

            // Without --json: a table.
            (int tableExit, string table, string _) = await RunAsync("dataset", "export", "--outbox", box, "-i", identityPath, "-o", output + "-table", "--layout", "de");
            Assert.Equal(0, tableExit);
            Assert.Contains("session", table, StringComparison.Ordinal);
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{summary.RootElement.GetProperty("segments").GetInt32()} segment(s)"), table, StringComparison.Ordinal);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Exactly_one_source_is_required_and_bad_options_are_usage_errors()
    {
        (int neither, string _, string neitherError) = await RunAsync("dataset", "export", "-i", "id.txt", "-o", "out");
        Assert.Equal(2, neither);
        Assert.Contains("exactly one of --store DIR or --outbox DIR", neitherError, StringComparison.Ordinal);

        (int both, string _, string _) = await RunAsync("dataset", "export", "--store", "a", "--outbox", "b", "-i", "id.txt", "-o", "out");
        Assert.Equal(2, both);

        (int format, string _, string _) = await RunAsync("dataset", "export", "--outbox", "b", "-i", "id.txt", "-o", "out", "--format", "csv");
        Assert.Equal(ExitCodes.Usage, format);

        (int session, string _, string sessionError) = await RunAsync("dataset", "export", "--outbox", "b", "-i", "id.txt", "-o", "out", "--session", "nope");
        Assert.Equal(2, session);
        Assert.Contains("--session 'nope'", sessionError, StringComparison.Ordinal);
    }
}
