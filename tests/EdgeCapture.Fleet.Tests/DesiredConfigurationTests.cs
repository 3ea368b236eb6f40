using EdgeCapture.Fleet.Box;
using EdgeCapture.Fleet.Store;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Fleet.Tests;

/// <summary>Device-shadow configuration: valid settings applied, the rest refused with reasons, versions in order.</summary>
public sealed class DesiredConfigurationTests : IDisposable
{
    private readonly FleetTestKit _kit = new("box-1", "floor-3");
    private readonly RecordingFleetActions _actions = new();

    private DesiredConfigurationReconciler Reconciler() =>
        new(_kit.DeviceId, _kit.Configuration, _kit.Database, new AuditLog(_kit.Database, _kit.DeviceId), _actions, new FakeDeviceFacts(_kit.DeviceKey.PublicKey), _kit.Time);

    [Fact]
    public void Valid_settings_are_applied_and_invalid_ones_refused_with_reasons()
    {
        DesiredConfigurationReconciler reconciler = Reconciler();
        Assert.True(reconciler.HandleDesired(_kit.Desired(FleetTarget.Device("box-1"), 1, "{\"segmentSeconds\":10,\"videoJpegQuality\":101,\"recordingIndicator\":false,\"privacySwitch\":\"ignore\",\"recipients\":[],\"lockScreenTriggers\":[\"never\"],\"lockScreenSuppressionTimeoutSeconds\":30,\"keyboardGadget\":\"/dev/null\"}"), out string outcome), outcome);
        FleetReportedConfiguration report = reconciler.Report();
        Assert.Equal(1, report.DeviceVersion);
        Assert.Equal(10, report.Applied["segmentSeconds"].GetDouble());
        Assert.Single(report.Applied);
        Assert.Equal(10, _actions.Settings["segmentSeconds"].GetDouble());
        Dictionary<string, string> reasons = report.Rejected.ToDictionary(r => r.Key, r => r.Reason);
        Assert.Contains("1 to 100", reasons["videoJpegQuality"], StringComparison.Ordinal);
        Assert.Contains("indicator", reasons["recordingIndicator"], StringComparison.Ordinal);
        Assert.Contains("switch wins", reasons["privacySwitch"], StringComparison.Ordinal);
        Assert.Contains("custodian", reasons["recipients"], StringComparison.Ordinal);
        Assert.Contains("hostResumed", reasons["lockScreenTriggers"], StringComparison.Ordinal);
        // The stale key of an earlier design is unknown: the lock-screen settings are lockScreenChords and lockScreenTriggers.
        Assert.Contains("unknown key", reasons["lockScreenSuppressionTimeoutSeconds"], StringComparison.Ordinal);
        Assert.Contains("lockScreenChords", reasons["lockScreenSuppressionTimeoutSeconds"], StringComparison.Ordinal);
        Assert.Contains("local configuration", reasons["keyboardGadget"], StringComparison.Ordinal);
        Assert.True(report.Safety.IndicatorFollowsRecording);
        Assert.True(report.Safety.SwitchWins);
    }

    [Fact]
    public void An_older_or_equal_version_is_refused_as_a_conflict_and_the_same_document_again_is_ignored()
    {
        DesiredConfigurationReconciler reconciler = Reconciler();
        byte[] second = _kit.Desired(FleetTarget.Device("box-1"), 2, "{\"segmentSeconds\":20}");
        Assert.True(reconciler.HandleDesired(second, out _));
        Assert.False(reconciler.HandleDesired(second, out string again));
        Assert.Contains("already applied", again, StringComparison.Ordinal);
        Assert.True(reconciler.HandleDesired(_kit.Desired(FleetTarget.Device("box-1"), 2, "{\"segmentSeconds\":30}"), out string conflict));
        Assert.Contains(FleetRejections.VersionConflict, conflict, StringComparison.Ordinal);
        Assert.Equal(20, reconciler.Effective()["segmentSeconds"].GetDouble());
    }

    [Fact]
    public void A_document_edited_from_a_stale_base_version_is_refused()
    {
        DesiredConfigurationReconciler reconciler = Reconciler();
        Assert.True(reconciler.HandleDesired(_kit.Desired(FleetTarget.Device("box-1"), 1, "{\"segmentSeconds\":20}", baseVersion: 0), out _));
        Assert.True(reconciler.HandleDesired(_kit.Desired(FleetTarget.Device("box-1"), 2, "{\"segmentSeconds\":25}", baseVersion: 1), out _));
        reconciler.HandleDesired(_kit.Desired(FleetTarget.Device("box-1"), 3, "{\"segmentSeconds\":30}", baseVersion: 1), out string conflict);
        Assert.Contains("another change came first", conflict, StringComparison.Ordinal);
        Assert.Equal(25, reconciler.Effective()["segmentSeconds"].GetDouble());
    }

    [Fact]
    public void Device_settings_override_group_settings_and_both_survive_a_restart()
    {
        DesiredConfigurationReconciler reconciler = Reconciler();
        reconciler.HandleDesired(_kit.Desired(FleetTarget.Group("floor-3"), 4, "{\"segmentSeconds\":15,\"videoJpegQuality\":60}"), out _);
        reconciler.HandleDesired(_kit.Desired(FleetTarget.Device("box-1"), 1, "{\"segmentSeconds\":5}"), out _);
        _kit.Reopen();
        FleetReportedConfiguration report = Reconciler().Report();
        Assert.Equal(5, report.Applied["segmentSeconds"].GetDouble());
        Assert.Equal(60, report.Applied["videoJpegQuality"].GetInt32());
        Assert.Equal(4, report.GroupVersions["floor-3"]);
        Assert.Equal(1, report.DeviceVersion);
    }

    [Fact]
    public void Unsigned_untrusted_custodian_signed_and_foreign_documents_are_refused_and_audited()
    {
        DesiredConfigurationReconciler reconciler = Reconciler();
        var unsigned = SignedFleetMessage.WithoutSignature(FleetMessageKind.DesiredConfiguration, new FleetDesiredConfiguration { Target = FleetTarget.Device("box-1"), Version = 1, IssuedAt = _kit.Time.GetUtcNow(), SettingsJson = "{\"segmentSeconds\":9}" }.Encode());
        reconciler.HandleDesired(unsigned, out string a);
        reconciler.HandleDesired(_kit.Desired(FleetTarget.Device("box-1"), 1, "{\"segmentSeconds\":9}", key: _kit.Stranger), out string b);
        reconciler.HandleDesired(_kit.Desired(FleetTarget.Device("box-1"), 1, "{\"segmentSeconds\":9}", key: _kit.Custodian), out string c);
        reconciler.HandleDesired(_kit.Desired(FleetTarget.Device("box-2"), 1, "{\"segmentSeconds\":9}"), out string d);
        Assert.Contains(FleetRejections.NotSigned, a, StringComparison.Ordinal);
        Assert.Contains(FleetRejections.UnknownSigner, b, StringComparison.Ordinal);
        Assert.Contains(FleetRejections.WrongRole, c, StringComparison.Ordinal);
        Assert.Contains(FleetRejections.WrongDevice, d, StringComparison.Ordinal);
        Assert.Empty(reconciler.Effective());
        var audit = new AuditLog(_kit.Database, _kit.DeviceId).ReadAll();
        Assert.Equal([FleetRejections.NotSigned, FleetRejections.UnknownSigner, FleetRejections.WrongRole, FleetRejections.WrongDevice], audit.Select(entry => entry.Reason));
    }

    [Fact]
    public void Apply_config_settings_layer_above_documents()
    {
        DesiredConfigurationReconciler reconciler = Reconciler();
        reconciler.HandleDesired(_kit.Desired(FleetTarget.Device("box-1"), 1, "{\"segmentSeconds\":5,\"videoDownscale\":1}"), out _);
        FleetSettingsOutcome applied = reconciler.ApplyCommandSettings("{\"videoDownscale\":2,\"recordingIndicator\":false,\"quotaBytes\":2147483648,\"statusIntervalSeconds\":5}");
        Assert.Equal("recordingIndicator", Assert.Single(applied.NotApplied).Key);
        // The box's answer per key, in the report too: in force now, or from the next start (the agent's own interval is live).
        Assert.Equal(["segmentSeconds", "statusIntervalSeconds", "videoDownscale"], applied.AppliedLive);
        Assert.Equal(["quotaBytes"], applied.PendingRestart);
        FleetReportedConfiguration report = reconciler.Report();
        Assert.Equal(applied.AppliedLive, report.AppliedLive);
        Assert.Equal(applied.PendingRestart, report.PendingRestart);
        Assert.Equal(2, reconciler.Effective()["videoDownscale"].GetInt32());
        Assert.Equal(5, reconciler.Effective()["segmentSeconds"].GetDouble());
    }

    public void Dispose() => _kit.Dispose();
}
