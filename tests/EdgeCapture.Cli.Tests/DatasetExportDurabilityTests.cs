namespace EdgeCapture.Cli.Tests;

/// <summary>
/// The export's output is durable before it becomes visible, and its rename is durable after: the shipped program,
/// traced by strace, syncs the file system holding the temporary folder, then renames it into place, then fsyncs the
/// parent folder. A crash at any point leaves either no output folder or the whole of it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DatasetExportDurabilityTests
{
    [Fact]
    public async Task The_dataset_reaches_the_disk_before_its_rename_and_the_rename_after()
    {
        string? strace = ExternalTool.Require("strace", "strace");
        if (strace is null)
        {
            return;
        }

        DirectoryInfo work = Directory.CreateTempSubdirectory("edgecapture-dataset-durable-");
        try
        {
            (string box, string identityPath) = await RecordedOutbox.RecordAsync(work.FullName, seconds: 2);

            string output = Path.Combine(work.FullName, "dataset");
            string trace = Path.Combine(work.FullName, "trace.txt");
            (int exitCode, byte[] _, string error) = ExternalTool.Run(strace,
            [
                "-f", "-qq", "-y", "-e", "trace=syncfs,fsync,rename,renameat,renameat2", "-o", trace,
                Path.Combine(AppContext.BaseDirectory, "edgecapture"), "dataset", "export", "--outbox", box, "-i", identityPath, "-o", output, "--format", "both",
            ]);
            Assert.True(exitCode == 0, error);
            Assert.True(File.Exists(Path.Combine(output, "README.md")));

            string[] lines = File.ReadAllLines(trace);
            int rename = Array.FindIndex(lines, line => line.Contains("rename", StringComparison.Ordinal) && line.Contains(".dataset.partial-", StringComparison.Ordinal) && line.Contains($"\"{output}\"", StringComparison.Ordinal));
            Assert.True(rename >= 0, "no rename of the temporary folder into place:\n" + string.Join('\n', lines));
            int syncfs = Array.FindLastIndex(lines, rename, line => line.Contains("syncfs(", StringComparison.Ordinal) && line.Contains(".dataset.partial-", StringComparison.Ordinal));
            Assert.True(syncfs >= 0, "the file system was not synced before the rename:\n" + string.Join('\n', lines));
            int parentSync = Array.FindIndex(lines, rename + 1, line => line.Contains("fsync(", StringComparison.Ordinal) && line.Contains($"<{work.FullName}>", StringComparison.Ordinal));
            Assert.True(parentSync > rename, "the parent folder was not fsynced after the rename:\n" + string.Join('\n', lines));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
