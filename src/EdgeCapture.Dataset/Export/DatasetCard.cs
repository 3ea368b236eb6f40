using System.Globalization;
using System.Text;
using EdgeCapture.Dataset.Output;
using EdgeCapture.Dataset.Timeline;

namespace EdgeCapture.Dataset.Export;

/// <summary>
/// Writes <c>README.md</c>, the dataset card: YAML front matter declaring the configs (<c>events</c>, <c>steps</c>),
/// their data files and features, so <c>datasets.load_dataset(OUT, "steps")</c> needs no glue; then what the data
/// says and does not say: privacy markers, the coordinate source and its measured accuracy, chain gaps, warnings.
/// </summary>
internal static class DatasetCard
{
    public static void Write(string path, string source, ExportOptions options, IReadOnlyList<SessionSummary> sessions, IReadOnlyList<ChainGap> gaps, IReadOnlyList<string> warnings, bool hasParquet)
    {
        var card = new StringBuilder();
        card.Append("---\n");
        if (hasParquet)
        {
            card.Append("configs:\n");
            AppendConfig(card, "events", isDefault: false);
            AppendConfig(card, "steps", isDefault: true);
            card.Append("dataset_info:\n");
            AppendFeatures(card, "events", DatasetSchema.EventColumns, sessions.Sum(session => session.Events));
            AppendFeatures(card, "steps", DatasetSchema.StepColumns, sessions.Sum(session => session.Steps));
        }

        card.Append("tags:\n- computer-use\n- gui-agents\n- demonstrations\n");
        card.Append("---\n\n");
        card.Append("# EdgeCapture computer-use demonstrations\n\n");
        card.Append(Invariant($"Exported from {source} by the custodian. {sessions.Count} session(s), {sessions.Sum(session => session.Segments)} segment(s), "));
        card.Append(Invariant($"{sessions.Sum(session => session.Events)} events, {sessions.Sum(session => session.Steps)} steps, {sessions.Sum(session => session.Frames)} frames. "));
        card.Append(Invariant($"Keyboard layout used for key names and typed text: {options.Layout.Name} ({options.Layout.Description}).\n\n"));
        card.Append("Every segment was verified before this folder was written: the device's manifest signature, the hash chain of its session, ");
        card.Append("the ciphertext's SHA-256, age decryption with the custodian's identity, and the decoded content against its signed manifest.\n\n");

        card.Append("## Layout\n\n");
        if (hasParquet)
        {
            card.Append("- `data/events/train-*.parquet`: one row per input event (config `events`).\n");
            card.Append("- `data/steps/train-*.parquet`: one row per step, with the frame before and after as HF `Image` (config `steps`, the default).\n");
        }

        if (options.Format is ExportFormat.Raw or ExportFormat.Both)
        {
            card.Append("- `raw/{session}/`: `metadata.json`, `events.jsonl` (DuckTrack fields plus HID usage), `frames/{t_ns}.jpg`, `trajectory.jsonl` (AgentNet-style steps).\n");
        }

        card.Append("\n## What the data says, and what it does not\n\n");
        card.Append("- **Private time** appears only as `pause` (the privacy switch engaged) and `resume` (recording became possible again) events. ");
        card.Append("Nothing from inside a private interval was ever recorded. Lock-screen key suppression appears only as content-free `suppressed` events ");
        card.Append("(begin and end, no chord, no count). Forgotten ranges do not appear at all.\n");
        card.Append("- **Time**: `t_ns` is the box's monotonic clock, shared by input and frames; wall-clock times come from each segment header's anchor pair.\n");
        AppendCoordinates(card, sessions);
        card.Append("- **Keys** are HID usages named through the layout; typed runs are merged into `write` steps with Shift, Caps Lock, AltGr and Backspace applied; ");
        card.Append("chords with Ctrl, Alt or Win are `hotkey` steps. Dead keys are not composed; an IME's output is not known.\n\n");

        card.Append("## Sessions\n\n| session | device | start (UTC) | segments | events | steps | frames | pauses | suppressed | coordinates | corrections (applied/attempted, mean px) |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (SessionSummary session in sessions)
        {
            string start = DateTimeOffset.FromUnixTimeMilliseconds(session.WallClockStartNanoseconds / 1_000_000).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            double mean = session.CorrectionsApplied == 0 ? 0 : session.CorrectionPixelsTotal / session.CorrectionsApplied;
            card.Append(Invariant($"| {session.SessionId:D} | {session.DeviceId} | {start} | {session.Segments} | {session.Events} | {session.Steps} | {session.Frames} | {session.Pauses} | {session.Suppressions} | {(session.CoordinateSources.Count == 0 ? "none" : string.Join(", ", session.CoordinateSources))} | {session.CorrectionsApplied}/{session.CorrectionsAttempted}, {mean:0.0} |\n"));
        }

        card.Append("\n## Chain gaps\n\n");
        if (gaps.Count == 0)
        {
            card.Append("None: every session's chain is complete from its first held segment to its last.\n");
        }
        else
        {
            foreach (ChainGap gap in gaps)
            {
                card.Append(Invariant($"- {gap.SessionId:D}: {gap.Description}\n"));
            }
        }

        if (warnings.Count > 0)
        {
            card.Append("\n## Warnings\n\n");
            foreach (string warning in warnings)
            {
                card.Append("- ").Append(warning).Append('\n');
            }
        }

        File.WriteAllText(path, card.ToString(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    /// <summary>Which coordinate sources this export holds, and the measured accuracy only where positions are estimated.</summary>
    private static void AppendCoordinates(StringBuilder card, IReadOnlyList<SessionSummary> sessions)
    {
        long absolute = sessions.Sum(session => session.AbsolutePointerRecords);
        long estimated = sessions.Sum(session => session.EstimatedPointerRecords);
        card.Append("- **Coordinates**: `coordinate_source` says `absolute` when the gadget ran the absolute pointer mode, `estimated` otherwise. ");
        card.Append(Invariant($"In this export: `absolute` for {absolute} and `estimated` for {estimated} of {absolute + estimated} mouse records"));
        card.Append(absolute + estimated == 0 ? " (no pointer input).\n" : ".\n");
        if (absolute > 0)
        {
            card.Append("  - `absolute` positions are the ones the box sent the host (screen pixels of the captured screen, which the host maps onto its primary display): ");
            card.Append("exact, so no frame correction is applied to them.\n");
        }

        if (estimated > 0)
        {
            card.Append("  - `estimated` positions are relative motion integrated and clamped to the screen, starting at the screen centre (or at the last absolute position), ");
            card.Append("under the candidate acceleration curve (flat, or threshold, slope and largest factor) that best predicted where the pointer was found at the earlier presses, ");
            card.Append("and corrected at each button press by finding the arrow pointer in the frame before it (template match near the estimate); ");
            card.Append("`correction_dx`/`correction_dy` record the correction.\n");
            card.Append(Invariant($"  - **Measured accuracy of estimated positions** (simulated desktop, host-side pointer acceleration simulated): {PointerAccuracy.Summary}\n"));
        }
    }

    private static void AppendConfig(StringBuilder card, string name, bool isDefault)
    {
        card.Append("- config_name: ").Append(name).Append('\n');
        if (isDefault)
        {
            card.Append("  default: true\n");
        }

        card.Append("  data_files:\n  - split: train\n    path: data/").Append(name).Append("/train-*\n");
    }

    private static void AppendFeatures(StringBuilder card, string name, DatasetSchema.Column[] columns, long rows)
    {
        card.Append("- config_name: ").Append(name).Append("\n  features:\n");
        foreach (DatasetSchema.Column column in columns)
        {
            card.Append("  - name: ").Append(column.Name).Append("\n    dtype: ").Append(column.Dtype).Append('\n');
        }

        card.Append(Invariant($"  splits:\n  - name: train\n    num_examples: {rows}\n"));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
