using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeCapture.Crypto;
using EdgeCapture.Recording.Recorder;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// What the demo prints before and after the live display: who holds which key and where everything is; then the custodian's
/// export of the collector's store and the summary with its proofs (<see cref="DemoProofs"/>, <see cref="DemoAccounting"/>).
/// </summary>
internal static class DemoSummary
{
    public static async Task WriteIntroductionAsync(TextWriter output, string root, string identityPath, AgeRecipient recipient, string operatorPath, PersonalSigningKey operatorKey, DemoCollector collector, IReadOnlyList<DemoBox> boxes, double seconds)
    {
        await output.WriteLineAsync($"""
            EdgeCapture demo in {root}
              custodian: identity {identityPath} (stays with the custodian; the boxes only get the recipient {recipient})
              operator:  signing key {operatorPath} ({operatorKey.PublicKey}, the trusted signer in every box's fleet.json)
              collector: embedded MQTT broker on 127.0.0.1:{collector.Port.ToString(CultureInfo.InvariantCulture)}, store {collector.Directory}, key {collector.Service.PublicKey}
            """).ConfigureAwait(false);
        foreach (DemoBox box in boxes)
        {
            await output.WriteLineAsync($"  {box.DeviceId}: {box.ConfigurationPath} (enrolled {box.PublicKey}); {box.Plan.Describe()}").ConfigureAwait(false);
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"""
              each box: a simulated user types, moves, clicks and scrolls for {seconds:0.#} s through the real relay; a simulated HDMI
              screen follows the input; everything is sealed to the custodian and uploaded live.

            == {boxes.Count} boxes running ==
            """)).ConfigureAwait(false);
    }

    /// <summary>Exports the store with the custodian's identity, prints the summary, and returns 0 only when every proof holds.</summary>
    public static async Task<int> ExportAndProveAsync(DemoRun run, TextWriter output, CancellationToken cancellationToken)
    {
        string store = Path.Combine(run.Root, "collector");
        string dataset = Path.Combine(run.Root, "dataset");
        await output.WriteLineAsync(Environment.NewLine + "== The custodian exports the collector's store (edgecapture dataset export --store) ==").ConfigureAwait(false);
        var exportOutput = new StringWriter();
        var exportError = new StringWriter();

        // --allow-gaps: the forget press removed the start of a session on purpose (the card lists it); the segment proof
        // below shows that nothing else is missing.
        int exported = await Program.RunAsync(
            ["dataset", "export", "--store", store, "-i", run.IdentityPath, "-o", dataset, "--format", "both", "--allow-gaps", "--json"],
            new InvocationConfiguration { Output = exportOutput, Error = exportError }).ConfigureAwait(false);
        if (exported != 0 || cancellationToken.IsCancellationRequested)
        {
            await output.WriteLineAsync($"dataset export failed (exit {exported}):{Environment.NewLine}{exportOutput}{exportError}").ConfigureAwait(false);
            return exported == 0 ? ExitCodes.Failed : exported;
        }

        long exportedEvents;
        long exportedFrames;
        long exportedSegments;
        using (JsonDocument result = JsonDocument.Parse(exportOutput.ToString()))
        {
            exportedEvents = result.RootElement.GetProperty("events").GetInt64();
            exportedFrames = result.RootElement.GetProperty("frames").GetInt64();
            exportedSegments = result.RootElement.GetProperty("segments").GetInt64();
        }

        IReadOnlyList<DemoExportedSession> export = DemoProofs.ReadExport(dataset);
        var proofs = new List<DemoProof>
        {
            DemoProofs.PrivateIntervalsHonoured(export, run.Boxes.ToDictionary(box => box.DeviceId, box => box.PrivateIntervals, StringComparer.Ordinal)),
            DemoProofs.PasswordAbsent(dataset, export, DemoBox.Password),
        };
        foreach (DemoBox box in run.Boxes.Where(box => box.Plan.ForgetAt is not null))
        {
            proofs.Add(box.ForgetPressedAt is { } pressed
                ? DemoProofs.ForgottenWindowAbsent(export, box.DeviceId, new DemoInterval(pressed - (long)TimeSpan.FromMinutes(2).TotalNanoseconds, pressed))
                : new DemoProof("forgotten window absent", false, $"{box.DeviceId}'s forget button was never pressed"));
        }

        proofs.Add(DemoAccounting.SegmentsProof(run.Segments, run.StoredTwice));
        proofs.Add(run.Fleet.ToProof(run.Boxes.Count));
        await WriteSummaryAsync(output, run, dataset, exportedEvents, exportedFrames, exportedSegments, export, proofs).ConfigureAwait(false);
        return proofs.All(proof => proof.Passed) ? 0 : ExitCodes.Failed;
    }

    private static async Task WriteSummaryAsync(TextWriter output, DemoRun run, string dataset, long exportedEvents, long exportedFrames, long exportedSegments, IReadOnlyList<DemoExportedSession> export, IReadOnlyList<DemoProof> proofs)
    {
        var lines = new List<string> { string.Empty, "== Summary ==" };
        foreach (DemoBox box in run.Boxes)
        {
            RecorderStatistics statistics = box.FinalStatistics!;
            DemoBoxSegments segments = run.Segments.Single(item => item.DeviceId == box.DeviceId);
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"  {box.DeviceId}: recorded {statistics.EventsAccepted:N0} input events (as {statistics.KeyRecords:N0} key and {statistics.MouseRecords:N0} mouse records) and {statistics.FramesRecorded:N0} frames (gated while private: {statistics.EventsGated:N0} events, {statistics.FramesGated:N0} frames; "
                + $"lock-screen keys suppressed {statistics.KeyEventsSuppressed:N0}; forgotten {statistics.EventsForgotten:N0}); segments sealed {segments.Sealed}, stored {segments.Stored}, retracted {segments.Retracted}, forgotten before upload {segments.ForgottenOnBox}"));
        }

        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"  exported: {exportedEvents:N0} event rows (records and privacy/lock-screen markers), {exportedFrames:N0} frames, from {exportedSegments} segments in {export.Count} sessions"));
        long bytes = run.Segments.Sum(segment => segment.CiphertextBytesStored);
        double minutes = run.Seconds / 60;
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"  bytes: {bytes:N0} sealed bytes stored, {bytes / minutes / run.Boxes.Count / 1024:N0} KiB per minute per box (video at 10 fps, JPEG)"));
        (int count, double median, double p95, double maximum) = run.Latency;
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"  upload latency (sealed on the box to stored at the collector, {count} segments): median {median:0} ms, 95th percentile {p95:0} ms, max {maximum:0} ms (the last segments wait for the drain after the stop); {run.Resent} re-sent commit(s) answered without a second write"));
        foreach (DemoProof proof in proofs)
        {
            lines.Add($"  [{(proof.Passed ? "PASS" : "FAIL")}] {proof.Name}: {proof.Detail}");
        }

        lines.Add($"  dataset: {dataset}{(run.Kept ? string.Empty : " (deleted on exit; keep it with --work-dir DIR)")}");
        lines.Add($"  load it in Python: import datasets; ds = datasets.load_dataset(\"{dataset}\")");
        lines.Add(proofs.All(proof => proof.Passed) ? "demo: OK, every proof holds" : $"demo: FAILED: {string.Join(", ", proofs.Where(proof => !proof.Passed).Select(proof => proof.Name))}");
        foreach (string line in lines)
        {
            await output.WriteLineAsync(line).ConfigureAwait(false);
        }
    }
}
