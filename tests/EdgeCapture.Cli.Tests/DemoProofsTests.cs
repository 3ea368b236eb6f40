using EdgeCapture.Cli.Commands;

namespace EdgeCapture.Cli.Tests;

/// <summary>Each proof of the demo's summary can fail: planted evidence in an export makes it fail, naming what it found.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DemoProofsTests : IDisposable
{
    private const string Password = "Tulip7Orbit";
    private readonly DirectoryInfo _dataset = Directory.CreateTempSubdirectory("edgecapture-demo-proofs-");

    public void Dispose() => _dataset.Delete(recursive: true);

    [Fact]
    public void The_password_check_finds_a_password_planted_in_any_file()
    {
        IReadOnlyList<DemoExportedSession> export = WriteSession("demo-box-1", [(1_000, "press", "a")], frames: []);
        Assert.True(DemoProofs.PasswordAbsent(_dataset.FullName, export, Password).Passed);

        File.WriteAllText(Path.Combine(_dataset.FullName, "raw", "notes.txt"), "the user typed tulip7orbit here");
        DemoProof proof = DemoProofs.PasswordAbsent(_dataset.FullName, DemoProofs.ReadExport(_dataset.FullName), Password);

        Assert.False(proof.Passed);
        Assert.Contains("notes.txt", proof.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_password_check_finds_a_password_spelled_out_in_key_presses()
    {
        // As the export writes typed keys: one press row per key, Shift as its own key name.
        var keys = new List<(long, string, string)>();
        long time = 1_000;
        foreach (char character in Password)
        {
            if (char.IsUpper(character))
            {
                keys.Add((time++, "press", "shiftleft"));
            }

            keys.Add((time++, "press", char.ToLowerInvariant(character).ToString()));
        }

        IReadOnlyList<DemoExportedSession> export = WriteSession("demo-box-2", keys, frames: []);
        DemoProof proof = DemoProofs.PasswordAbsent(_dataset.FullName, export, Password);

        Assert.False(proof.Passed);
        Assert.Contains("key presses", proof.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_private_interval_check_finds_an_event_or_a_frame_stamped_inside()
    {
        var intervals = new Dictionary<string, IReadOnlyList<DemoInterval>> { ["demo-box-1"] = [new DemoInterval(5_000, 9_000)] };
        IReadOnlyList<DemoExportedSession> clean = WriteSession("demo-box-1", [(4_999, "press", "a"), (9_001, "press", "b")], frames: [10_000]);
        Assert.True(DemoProofs.PrivateIntervalsHonoured(clean, intervals).Passed);

        DemoProof eventInside = DemoProofs.PrivateIntervalsHonoured([clean[0] with { EventStamps = [4_999, 5_000] }], intervals);
        DemoProof frameInside = DemoProofs.PrivateIntervalsHonoured([clean[0] with { FrameStamps = [9_000] }], intervals);
        DemoProof noInterval = DemoProofs.PrivateIntervalsHonoured(clean, new Dictionary<string, IReadOnlyList<DemoInterval>>());

        Assert.False(eventInside.Passed);
        Assert.Contains("event t_ns=5000", eventInside.Detail, StringComparison.Ordinal);
        Assert.False(frameInside.Passed);
        Assert.Contains("frame t_ns=9000", frameInside.Detail, StringComparison.Ordinal);
        Assert.False(noInterval.Passed);
    }

    [Fact]
    public void The_forget_check_finds_a_stamp_inside_the_forgotten_window_and_needs_something_after_it()
    {
        IReadOnlyList<DemoExportedSession> export = WriteSession("demo-box-3", [(2_000, "press", "a"), (8_000, "press", "b")], frames: []);

        Assert.False(DemoProofs.ForgottenWindowAbsent(export, "demo-box-3", new DemoInterval(1_000, 3_000)).Passed);
        Assert.True(DemoProofs.ForgottenWindowAbsent(export, "demo-box-3", new DemoInterval(0, 1_999)).Passed);
        Assert.False(DemoProofs.ForgottenWindowAbsent(export, "demo-box-3", new DemoInterval(0, 9_000)).Passed);
    }

    [Fact]
    public void The_segment_check_fails_on_a_lost_a_doubly_stored_an_unknown_or_a_left_over_segment()
    {
        DemoBoxSegments good = new("demo-box-1", Sealed: 5, Stored: 4, Retracted: 1, ForgottenOnBox: 0, Unaccounted: 0, Unknown: 0, LeftInOutbox: 0, CiphertextBytesStored: 100);

        Assert.True(DemoAccounting.SegmentsProof([good], storedTwice: 0).Passed);
        Assert.False(DemoAccounting.SegmentsProof([good with { Unaccounted = 1 }], storedTwice: 0).Passed);
        Assert.False(DemoAccounting.SegmentsProof([good], storedTwice: 1).Passed);
        Assert.False(DemoAccounting.SegmentsProof([good with { Unknown = 1 }], storedTwice: 0).Passed);
        Assert.False(DemoAccounting.SegmentsProof([good with { LeftInOutbox = 1 }], storedTwice: 0).Passed);
        Assert.False(DemoAccounting.SegmentsProof([good with { Sealed = 0, Stored = 0, Retracted = 0 }], storedTwice: 0).Passed);
    }

    /// <summary>Writes one session in the export's raw layout (metadata.json, events.jsonl, trajectory.jsonl, frames/) and reads the export back.</summary>
    private IReadOnlyList<DemoExportedSession> WriteSession(string deviceId, IReadOnlyList<(long Time, string Action, string Key)> events, IReadOnlyList<long> frames)
    {
        string session = Path.Combine(_dataset.FullName, "raw", Guid.NewGuid().ToString("D"));
        Directory.CreateDirectory(Path.Combine(session, "frames"));
        File.WriteAllText(Path.Combine(session, "metadata.json"), $$"""{ "session_id": "{{Path.GetFileName(session)}}", "device_id": "{{deviceId}}" }""");
        File.WriteAllLines(Path.Combine(session, "events.jsonl"), events.Select(row => $$"""{"time_stamp":1.0,"action":"{{row.Action}}","name":"{{row.Key}}","hid_usage_page":7,"hid_usage_id":4,"t_ns":{{row.Time}}}"""));
        File.WriteAllText(Path.Combine(session, "trajectory.jsonl"), string.Empty);
        foreach (long frame in frames)
        {
            File.WriteAllBytes(Path.Combine(session, "frames", $"{frame}.jpg"), [0xFF, 0xD8]);
        }

        return DemoProofs.ReadExport(_dataset.FullName);
    }
}
