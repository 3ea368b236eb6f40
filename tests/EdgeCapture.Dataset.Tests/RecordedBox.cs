using EdgeCapture.Appliance;
using EdgeCapture.Crypto;
using EdgeCapture.Hid;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using ApplianceHost = EdgeCapture.Appliance.Appliance;

namespace EdgeCapture.Dataset.Tests;

/// <summary>
/// One real recording, made once for the test class: the whole appliance on simulated hardware (scripted user through
/// the real relay, simulated privacy switch, simulated desktop captured as JPEG), sealed into a real outbox. The switch
/// goes private at <see cref="PrivateAtSeconds"/> and public again at <see cref="PublicAtSeconds"/>. Tests export from
/// copies of the box directory (<see cref="CopyBox"/>), so tampering in one test cannot affect another.
/// </summary>
public sealed class RecordedBox : IAsyncLifetime
{
    public const double LengthSeconds = 6;
    public const double PrivateAtSeconds = 2.5;
    public const double PublicAtSeconds = 3.6;

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("edgecapture-dataset-box-");
    private readonly PointerMode _pointerMode;
    private readonly int _seed;

    public RecordedBox()
        : this(PointerMode.Relative, seed: 7)
    {
    }

    /// <summary>A box whose simulated gadget runs <paramref name="pointerMode"/>, its user scripted by <paramref name="seed"/>.</summary>
    internal RecordedBox(PointerMode pointerMode, int seed)
    {
        _pointerMode = pointerMode;
        _seed = seed;
    }

    public string BoxDirectory => Path.Combine(_root.FullName, "box");

    public string IdentityPath => Path.Combine(_root.FullName, "custodian.txt");

    public IReadOnlyList<SegmentSealedInfoSnapshot> SealedSegments { get; private set; } = [];

    public async Task InitializeAsync()
    {
        string recipient;
        using (AgeIdentity identity = AgeIdentity.Generate())
        {
            identity.SaveFile(IdentityPath, DateTimeOffset.UtcNow);
            recipient = identity.Recipient.ToString();
        }

        var sealedSegments = new List<SegmentSealedInfoSnapshot>();
        var configuration = new ApplianceConfiguration
        {
            DataDirectory = BoxDirectory,
            Recipients = [AgeRecipient.Parse(recipient)],
            DeviceId = "dataset-test-box",
            SegmentSeconds = 1,
            VideoSource = VideoSourceKind.Simulated,
        };
        var simulation = new ApplianceSimulation
        {
            Seed = _seed,
            ScriptLength = TimeSpan.FromSeconds(LengthSeconds),
            PrivateAt = [PrivateAtSeconds],
            PublicAt = [PublicAtSeconds],
            PointerMode = _pointerMode,
        };
        ApplianceHost appliance = ApplianceHost.Start(configuration, simulation, NullLoggerFactory.Instance, info =>
        {
            lock (sealedSegments)
            {
                sealedSegments.Add(new SegmentSealedInfoSnapshot(info.SessionId, info.SegmentIndex, info.EndReason));
            }
        });
        await using (appliance.ConfigureAwait(false))
        {
            await Task.Delay(TimeSpan.FromSeconds(LengthSeconds + 0.5)).ConfigureAwait(false);
            await appliance.StopAsync().ConfigureAwait(false);
        }

        SealedSegments = sealedSegments;
        Assert.Contains(sealedSegments, segment => segment.EndReason == SessionEndReason.PrivacyEngaged);
    }

    public Task DisposeAsync()
    {
        _root.Delete(recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>A fresh copy of the box directory (outbox and device key) in <paramref name="into"/>.</summary>
    public string CopyBox(DirectoryInfo into)
    {
        string copy = Path.Combine(into.FullName, "box");
        Directory.CreateDirectory(copy);
        foreach (string file in Directory.GetFiles(BoxDirectory))
        {
            if (!file.EndsWith(".lock", StringComparison.Ordinal))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }
        }

        return copy;
    }

    public IReadOnlyList<AgeIdentity> LoadIdentity() => AgeIdentity.LoadFile(IdentityPath);

    /// <summary>What the recorder sealed, decrypted by the verifier: the reference the export is compared with.</summary>
    public static List<(SegmentKey Key, SegmentContents Contents)> Sealed(string box, IReadOnlyList<AgeIdentity> identities)
    {
        var segments = new List<(SegmentKey, SegmentContents)>();
        using DeviceSigningKey key = DeviceSigningKey.Load(Path.Combine(box, "device.key"));
        using SegmentOutbox outbox = SegmentOutbox.Open(Path.Combine(box, "outbox.db"), new OutboxOptions(), NullLogger<SegmentOutbox>.Instance, TimeProvider.System);
        VerificationReport report = SegmentChainVerifier.Verify(outbox, key.PublicKey, identities, (segmentKey, contents) => segments.Add((segmentKey, contents)));
        Assert.True(report.IsValid, string.Join("\n", report.Errors.Select(error => error.Message)));
        return segments;
    }
}

/// <summary>What the recorder reported for a sealed segment.</summary>
public sealed record SegmentSealedInfoSnapshot(Guid SessionId, int SegmentIndex, SessionEndReason EndReason);
