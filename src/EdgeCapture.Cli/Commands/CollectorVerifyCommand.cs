using System.CommandLine;
using System.Globalization;
using EdgeCapture.Collector;
using EdgeCapture.Collector.Index;
using EdgeCapture.Crypto;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Storage;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture collector verify --store DIR --identity FILE</c>: the custodian's check of what the collector stored.
/// Per enrolled device: every manifest signature against the device's enrolled key, every ciphertext hash, the hash
/// chains, and every stored segment decrypted with the custodian's identity (which the collector itself never holds).
/// Exit 0 only when at least one segment is stored and all of them verify and decrypt.
/// </summary>
internal static class CollectorVerifyCommand
{
    public static Command Create()
    {
        var store = CollectorCommand.StoreOption();
        var identity = new Option<string>("--identity", "-i") { Description = "The custodian's age identity file.", Required = true };
        var device = new Option<string?>("--device") { Description = "Only this device's segments." };
        var command = new Command("verify", "The custodian's check of the collector's store: signatures, hashes, chains, and every segment decrypted.");
        command.Options.Add(store);
        command.Options.Add(identity);
        command.Options.Add(device);
        command.SetAction(parseResult =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            string directory = Path.GetFullPath(parseResult.GetValue(store)!);
            if (!File.Exists(Path.Combine(directory, "index.db")))
            {
                error.WriteLine($"collector verify: no collector store at {directory}.");
                return ExitCodes.Usage;
            }

            if (!CliFiles.TryLoadIdentities(parseResult.GetValue(identity)!, error, "collector verify", out IReadOnlyList<AgeIdentity>? identities))
            {
                return ExitCodes.Usage;
            }

            try
            {
                using CollectorStore collectorStore = CollectorStore.Open(new CollectorOptions { StoreDirectory = directory });
                string? only = parseResult.GetValue(device);
                IEnumerable<DeviceSummary> devices = collectorStore.Index.ListDevices().Where(summary => summary.Enrolled && (only is null || summary.DeviceId == only));
                int stored = 0;
                bool valid = true;
                foreach (DeviceSummary summary in devices)
                {
                    DevicePublicKey? key = collectorStore.Index.FindDeviceKey(summary.DeviceId);
                    if (key is null)
                    {
                        continue;
                    }

                    StoreVerification result = Verify(collectorStore, summary.DeviceId, key, identities, directory, output);
                    stored += result.Stored;
                    valid &= result.IsValid;
                }

                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"collector verify: {(valid && stored > 0 ? "OK" : "FAILED")}: {stored} segment(s) stored{(stored == 0 ? " (nothing to verify)" : string.Empty)}"));
                return valid && stored > 0 ? 0 : ExitCodes.Failed;
            }
            finally
            {
                foreach (AgeIdentity item in identities)
                {
                    item.Dispose();
                }
            }
        });
        return command;
    }

    /// <summary>What one device's check found.</summary>
    /// <param name="Stored">Segments the store holds for the device.</param>
    /// <param name="Decrypted">Of those, how many the identities opened.</param>
    /// <param name="IsValid">Signatures, hashes and chains verified, and every stored segment decrypted.</param>
    internal readonly record struct StoreVerification(int Stored, int Decrypted, bool IsValid);

    /// <summary>Verifies and decrypts one device's stored segments, printing a line per segment and per problem.</summary>
    internal static StoreVerification Verify(CollectorStore store, string deviceId, DevicePublicKey deviceKey, IReadOnlyList<AgeIdentity> identities, string root, TextWriter output)
    {
        IReadOnlyList<StoredSegment> rows = store.Index.ListSegments(deviceId);
        VerifiableSegment[] segments = [.. rows.Select(row => new VerifiableSegment(new SegmentKey(row.Segment.SessionId, row.Segment.SegmentIndex), UploadState.Uploaded,
            row.Manifest, row.ManifestSha256, row.WallClockStartUtc, row.WallClockEndUtc, () => store.Blobs.OpenRead(row.Address)))];
        foreach (StoredSegment row in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {deviceId} {row.Segment} -> {Path.GetRelativePath(root, store.Blobs.Locate(row.Address))} ({row.CiphertextLength:N0} bytes; open it with: age -d -i IDENTITY FILE)"));
        }

        VerificationReport report = SegmentChainVerifier.Verify(segments, deviceKey, identities);
        foreach (VerificationIssue problem in report.Errors)
        {
            output.WriteLine($"  error: {deviceId}: {problem.Problem}: {problem.Message}");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {deviceId}: {report.Sessions.Count} session(s), {rows.Count} segment(s) stored, {report.SegmentsDecrypted} decrypted with the custodian's identity, {report.Errors.Count} error(s)"));
        return new StoreVerification(rows.Count, report.SegmentsDecrypted, report.IsValid && report.SegmentsDecrypted == rows.Count);
    }
}
