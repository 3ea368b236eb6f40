using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EdgeCapture.Cli.Commands;

/// <summary>One proof of the demo's summary: what was checked, whether it held, and the evidence in a line.</summary>
/// <param name="Name">What it proves.</param>
/// <param name="Passed">Whether it held.</param>
/// <param name="Detail">The evidence.</param>
internal sealed record DemoProof(string Name, bool Passed, string Detail);

/// <summary>Every stamp of one exported session, from its raw folder (<c>raw/{session}/</c>).</summary>
/// <param name="SessionId">The session.</param>
/// <param name="DeviceId">The box it came from (<c>metadata.json</c>).</param>
/// <param name="EventStamps">Each event's <c>t_ns</c> (<c>events.jsonl</c>), the box's monotonic clock.</param>
/// <param name="FrameStamps">Each frame's <c>t_ns</c> (<c>frames/{t_ns}.jpg</c>).</param>
/// <param name="TypedKeys">The key names of every press, in order, single characters joined (<c>space</c> as a space).</param>
/// <param name="Texts">The <c>text</c> of every written step (<c>trajectory.jsonl</c>).</param>
internal sealed record DemoExportedSession(Guid SessionId, string DeviceId, IReadOnlyList<long> EventStamps, IReadOnlyList<long> FrameStamps, string TypedKeys, IReadOnlyList<string> Texts);

/// <summary>
/// The checks behind the demo's summary, each over the custodian's export (the raw folders that <c>dataset export --format
/// both</c> writes next to the Hugging Face shards, from the same translation) compared with what the demo did to the boxes.
/// Each returns a failed proof, never throws, for what it finds; they are static so a test can show each one failing.
/// </summary>
internal static class DemoProofs
{
    /// <summary>Reads every session's stamps, keys and texts from <c>DATASET/raw</c>.</summary>
    public static IReadOnlyList<DemoExportedSession> ReadExport(string datasetDirectory)
    {
        var sessions = new List<DemoExportedSession>();
        string raw = Path.Combine(datasetDirectory, "raw");
        if (!Directory.Exists(raw))
        {
            return sessions;
        }

        foreach (string sessionDirectory in Directory.EnumerateDirectories(raw).Order(StringComparer.Ordinal))
        {
            string deviceId;
            using (JsonDocument metadata = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(sessionDirectory, "metadata.json"))))
            {
                deviceId = metadata.RootElement.GetProperty("device_id").GetString() ?? string.Empty;
            }

            var events = new List<long>();
            var typed = new StringBuilder();
            foreach (string line in File.ReadLines(Path.Combine(sessionDirectory, "events.jsonl")))
            {
                using JsonDocument row = JsonDocument.Parse(line);
                events.Add(row.RootElement.GetProperty("t_ns").GetInt64());
                if (row.RootElement.GetProperty("action").GetString() == "press" && row.RootElement.TryGetProperty("name", out JsonElement name) && name.GetString() is { } key)
                {
                    typed.Append(key.Length == 1 ? key : key == "space" ? " " : string.Empty);
                }
            }

            var texts = new List<string>();
            foreach (string line in File.ReadLines(Path.Combine(sessionDirectory, "trajectory.jsonl")))
            {
                using JsonDocument step = JsonDocument.Parse(line);
                if (step.RootElement.TryGetProperty("value", out JsonElement value) && value.TryGetProperty("text", out JsonElement text) && text.GetString() is { } written)
                {
                    texts.Add(written);
                }
            }

            var frames = new List<long>();
            foreach (string frame in Directory.EnumerateFiles(Path.Combine(sessionDirectory, "frames"), "*.jpg"))
            {
                frames.Add(long.Parse(Path.GetFileNameWithoutExtension(frame), NumberStyles.Integer, CultureInfo.InvariantCulture));
            }

            sessions.Add(new DemoExportedSession(Guid.Parse(Path.GetFileName(sessionDirectory)), deviceId, events, frames, typed.ToString(), texts));
        }

        return sessions;
    }

    /// <summary>"The switch wins": no exported event or frame of a box is stamped inside one of its private intervals.</summary>
    public static DemoProof PrivateIntervalsHonoured(IReadOnlyList<DemoExportedSession> export, IReadOnlyDictionary<string, IReadOnlyList<DemoInterval>> privateIntervals)
    {
        int intervals = privateIntervals.Values.Sum(list => list.Count);
        long stamps = 0;
        var inside = new List<string>();
        foreach (DemoExportedSession session in export)
        {
            IReadOnlyList<DemoInterval> boxIntervals = privateIntervals.TryGetValue(session.DeviceId, out IReadOnlyList<DemoInterval>? list) ? list : [];
            foreach ((string kind, IReadOnlyList<long> list2) in new[] { ("event", session.EventStamps), ("frame", session.FrameStamps) })
            {
                foreach (long stamp in list2)
                {
                    stamps++;
                    if (boxIntervals.Any(interval => interval.Contains(stamp)))
                    {
                        inside.Add(string.Create(CultureInfo.InvariantCulture, $"{session.DeviceId} {kind} t_ns={stamp}"));
                    }
                }
            }
        }

        bool passed = intervals > 0 && inside.Count == 0;
        string detail = inside.Count > 0
            ? $"{inside.Count} stamp(s) inside a private interval, first: {inside[0]}"
            : intervals == 0
                ? "no private interval was recorded, so nothing was proven"
                : string.Create(CultureInfo.InvariantCulture, $"{intervals} private interval(s) on {privateIntervals.Count(pair => pair.Value.Count > 0)} box(es); none of the {stamps:N0} exported event and frame stamps lies inside one");
        return new DemoProof("private intervals honoured", passed, detail);
    }

    /// <summary>The lock-screen password is nowhere in the export: not in the typed keys, the written texts, or the bytes of any file.</summary>
    public static DemoProof PasswordAbsent(string datasetDirectory, IReadOnlyList<DemoExportedSession> export, string password)
    {
        string lowered = password.ToLowerInvariant();
        var found = new List<string>();
        foreach (DemoExportedSession session in export)
        {
            if (session.TypedKeys.Contains(lowered, StringComparison.OrdinalIgnoreCase))
            {
                found.Add($"the key presses of session {session.SessionId}");
            }

            if (session.Texts.Any(text => text.Contains(password, StringComparison.OrdinalIgnoreCase)))
            {
                found.Add($"a written text of session {session.SessionId}");
            }
        }

        long files = 0;
        long bytes = 0;
        byte[][] needles = [Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(lowered)];
        foreach (string file in Directory.EnumerateFiles(datasetDirectory, "*", SearchOption.AllDirectories))
        {
            byte[] contents = File.ReadAllBytes(file);
            files++;
            bytes += contents.Length;
            if (needles.Any(needle => contents.AsSpan().IndexOf(needle) >= 0))
            {
                found.Add(Path.GetRelativePath(datasetDirectory, file));
            }
        }

        return new DemoProof(
            "lock-screen password absent",
            found.Count == 0 && files > 0,
            found.Count > 0
                ? $"\"{password}\" found in {string.Join(", ", found.Take(5))}"
                : string.Create(CultureInfo.InvariantCulture, $"\"{password}\" is in none of the {export.Sum(session => session.TypedKeys.Length):N0} exported key presses, {export.Sum(session => session.Texts.Count):N0} written texts, or {files:N0} files ({bytes:N0} bytes)"));
    }

    /// <summary>Nothing a box recorded in the window its forget button discarded (the box's start up to the press) is exported.</summary>
    public static DemoProof ForgottenWindowAbsent(IReadOnlyList<DemoExportedSession> export, string deviceId, DemoInterval forgotten)
    {
        long stamps = 0;
        long inside = 0;
        long after = 0;
        foreach (DemoExportedSession session in export.Where(session => session.DeviceId == deviceId))
        {
            foreach (long stamp in session.EventStamps.Concat(session.FrameStamps))
            {
                stamps++;
                if (forgotten.Contains(stamp))
                {
                    inside++;
                }
                else if (stamp > forgotten.To)
                {
                    after++;
                }
            }
        }

        return new DemoProof(
            "forgotten window absent",
            inside == 0 && after > 0,
            inside > 0
                ? string.Create(CultureInfo.InvariantCulture, $"{inside} of {deviceId}'s exported stamps lie in the forgotten window")
                : after == 0
                    ? $"{deviceId} exported nothing after its forget press, so nothing was proven"
                    : string.Create(CultureInfo.InvariantCulture, $"{deviceId}: none of its {stamps:N0} exported stamps lies in the {(forgotten.To - forgotten.From) / 1e9:0.0} s before the press; {after:N0} after it are there"));
    }
}
