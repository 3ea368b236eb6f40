using System.Text.Json;
using EdgeCapture.Crypto;
using EdgeCapture.Fleet.Box;
using EdgeCapture.Fleet.Store;
using EdgeCapture.Protocol.Fleet;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Fleet.Tests;

/// <summary>Keys, a box configuration and signed commands for tests.</summary>
internal sealed class FleetTestKit : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public FleetTestKit(string deviceId = "box-1", params string[] groups)
    {
        DeviceId = deviceId;
        Directory = System.IO.Directory.CreateTempSubdirectory("fleet-test-").FullName;
        Configuration = new FleetBoxConfiguration
        {
            TrustedSigners =
            [
                new TrustedSigner("it-alice", FleetRole.Operator, Operator.PublicKey),
                new TrustedSigner("custodian", FleetRole.Custodian, Custodian.PublicKey),
            ],
            Groups = groups,
            StatusInterval = TimeSpan.FromSeconds(2),
            ClockTolerance = TimeSpan.FromSeconds(30),
        };
        Database = FleetDatabase.Open(DatabasePath);
        Clock = Time;
    }

    public string DeviceId { get; }

    public string Directory { get; }

    public string DatabasePath => Path.Combine(Directory, "fleet.db");

    public PersonalSigningKey Operator { get; } = PersonalSigningKey.Generate(PersonalSigningKeyKind.Operator);

    public PersonalSigningKey Custodian { get; } = PersonalSigningKey.Generate(PersonalSigningKeyKind.CustodianSigning);

    public PersonalSigningKey Stranger { get; } = PersonalSigningKey.Generate(PersonalSigningKeyKind.Operator);

    public DeviceSigningKey DeviceKey { get; } = DeviceSigningKey.Generate();

    public FakeTimeProvider Time { get; } = new(Start);

    /// <summary>The clock boxes and signers use: fake for unit tests, the system clock for tests over a broker.</summary>
    public TimeProvider Clock { get; init; }

    public FleetBoxConfiguration Configuration { get; set; }

    public FleetDatabase Database { get; private set; }

    public FleetDatabase Reopen()
    {
        Database.Dispose();
        Database = FleetDatabase.Open(DatabasePath);
        return Database;
    }

    public static FleetCommand Command(string name, FleetTarget target, DateTimeOffset issuedAt, string? arguments = null, TimeSpan? lifetime = null, string? id = null) => new()
    {
        Id = id ?? "cmd-" + Guid.NewGuid().ToString("N"),
        Name = name,
        Target = target,
        IssuedAt = issuedAt,
        ExpiresAt = issuedAt + (lifetime ?? TimeSpan.FromMinutes(5)),
        ArgumentsJson = arguments ?? DefaultArguments(name),
    };

    public static string DefaultArguments(string name) => name switch
    {
        FleetCommandNames.SetRecipients => FleetCommandArguments.ForRecipients([AgeIdentityRecipient()]),
        FleetCommandNames.ForgetWindow => "{\"minutes\":5}",
        FleetCommandNames.ApplyConfig => "{\"settings\":{\"segmentSeconds\":10}}",
        _ => "{}",
    };

    public static string AgeIdentityRecipient()
    {
        using AgeIdentity identity = AgeIdentity.Generate();
        return identity.Recipient.ToString();
    }

    public byte[] Signed(FleetCommand command, PersonalSigningKey? key = null) =>
        SignedFleetMessage.Sign(FleetMessageKind.Command, command.Encode(), key ?? Operator);

    public byte[] SignedFor(string name, PersonalSigningKey? key = null, string? arguments = null) =>
        Signed(Command(name, FleetTarget.Device(DeviceId), Clock.GetUtcNow(), arguments), key);

    public byte[] Desired(FleetTarget target, long version, string settings, long? baseVersion = null, PersonalSigningKey? key = null) =>
        SignedFleetMessage.Sign(FleetMessageKind.DesiredConfiguration, new FleetDesiredConfiguration { Target = target, Version = version, BaseVersion = baseVersion, IssuedAt = Clock.GetUtcNow(), SettingsJson = settings }.Encode(), key ?? Operator);

    public void Dispose()
    {
        Database.Dispose();
        Operator.Dispose();
        Custodian.Dispose();
        Stranger.Dispose();
        DeviceKey.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

/// <summary>A box's facts, settable by the test (the appliance implements the real one).</summary>
internal sealed class FakeDeviceFacts : IDeviceFacts
{
    private readonly Lock _lock = new();
    private DeviceStatusSnapshot _status = new(FleetPrivacyStates.Recording, true, new FleetRelayCounters(10, 0, 0), new FleetCaptureState(true, "1920x1080@60", 2.0), new FleetOutboxBacklog(3, 4096), 1L << 30, TimeSpan.FromMinutes(1), null);

    public FakeDeviceFacts(DevicePublicKey deviceKey) => DeviceKey = deviceKey;

    public FleetVersions Versions { get; } = new("0.1.0-test", "test-image", "Raspberry Pi 4 Model B");

    public string CapturePath => "v4l2-bridge";

    public DevicePublicKey DeviceKey { get; }

    public IReadOnlyList<string> Recipients { get; set; } = [FleetTestKit.AgeIdentityRecipient()];

    public string PinoutHash => "sha256:0011";

    public FleetSafetyState Safety { get; } = new(true, true, "default", []);

    public void SetPrivacy(string privacy, bool indicatorLit)
    {
        lock (_lock)
        {
            _status = _status with { Privacy = privacy, IndicatorLit = indicatorLit };
        }
    }

    public DeviceStatusSnapshot ReadStatus()
    {
        lock (_lock)
        {
            return _status;
        }
    }
}

/// <summary>Records what the agent asked the box to do.</summary>
internal sealed class RecordingFleetActions : IFleetActions
{
    public List<string> Calls { get; } = [];

    public IReadOnlyDictionary<string, JsonElement> Settings { get; private set; } = new Dictionary<string, JsonElement>();

    public IReadOnlyList<AgeRecipient>? Recipients { get; private set; }

    public ValueTask<FleetActionOutcome> PurgeOutboxAsync(CancellationToken cancellationToken) => Record("purge-outbox", "3 segments deleted");

    public ValueTask<FleetActionOutcome> ForgetWindowAsync(TimeSpan window, CancellationToken cancellationToken) => Record("forget-window " + window.TotalMinutes, "1 segment deleted");

    public ValueTask<FleetActionOutcome> SetRecipientsAsync(IReadOnlyList<AgeRecipient> recipients, CancellationToken cancellationToken)
    {
        Recipients = recipients;
        return Record("set-recipients " + recipients.Count, "future segments sealed to the new recipients");
    }

    public ValueTask<FleetActionOutcome> RestartServiceAsync(CancellationToken cancellationToken) => Record("restart-service", "restart scheduled");

    /// <summary>Keys the simulated box takes only at its next start (the rest apply at once).</summary>
    public IReadOnlyList<string> RestartKeys { get; init; } = ["quotaBytes"];

    public FleetSettingsOutcome ApplySettings(IReadOnlyDictionary<string, JsonElement> settings)
    {
        lock (Calls)
        {
            Settings = settings;
            Calls.Add("apply " + settings.Count);
        }

        return new FleetSettingsOutcome([.. settings.Keys.Except(RestartKeys)], [.. settings.Keys.Intersect(RestartKeys)], []);
    }

    private ValueTask<FleetActionOutcome> Record(string call, string detail)
    {
        lock (Calls)
        {
            Calls.Add(call);
        }

        return ValueTask.FromResult(new FleetActionOutcome(true, detail));
    }
}
