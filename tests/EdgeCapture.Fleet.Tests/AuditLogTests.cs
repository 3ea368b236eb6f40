using EdgeCapture.Fleet.Store;
using EdgeCapture.Protocol.Fleet;
using Microsoft.Data.Sqlite;

namespace EdgeCapture.Fleet.Tests;

/// <summary>The audit log is append-only and hash-chained: tampering is refused or detected.</summary>
public sealed class AuditLogTests : IDisposable
{
    private readonly FleetTestKit _kit = new();

    [Fact]
    public void Entries_chain_and_survive_a_reopen()
    {
        var log = new AuditLog(_kit.Database, _kit.DeviceId);
        log.Append(_kit.Time.GetUtcNow(), "command", "stop-recording", "cmd-00000001", "sha256:aa", "operator", FleetOutcomes.Done, null, "stopped");
        log.Append(_kit.Time.GetUtcNow(), "command", "set-recipients", "cmd-00000002", "sha256:aa", "operator", FleetOutcomes.Rejected, FleetRejections.WrongRole, "needs custodian");
        _kit.Reopen();
        log = new AuditLog(_kit.Database, _kit.DeviceId);
        FleetAuditEntry third = log.Append(_kit.Time.GetUtcNow(), "configuration", "device", "3", null, null, FleetOutcomes.Done, null, null);
        Assert.Equal(3, third.Sequence);
        Assert.True(log.Verify(out long broken));
        Assert.Equal(0, broken);
        IReadOnlyList<FleetAuditEntry> all = log.ReadAll();
        Assert.Equal(all[1].Hash, all[2].PreviousHash);
        Assert.Equal(FleetAuditEntry.GenesisHash, all[0].PreviousHash);
    }

    [Fact]
    public void Deleting_or_rewriting_an_entry_is_refused_by_the_database()
    {
        var log = new AuditLog(_kit.Database, _kit.DeviceId);
        log.Append(_kit.Time.GetUtcNow(), "command", "status", "cmd-00000001", null, null, FleetOutcomes.Rejected, FleetRejections.NotSigned, null);
        Assert.Throws<SqliteException>(() => Execute("DELETE FROM audit"));
        Assert.Throws<SqliteException>(() => Execute("UPDATE audit SET body = '{}'"));
        Assert.True(log.Verify(out _));
    }

    [Fact]
    public void An_entry_altered_behind_the_triggers_breaks_the_chain_from_there()
    {
        var log = new AuditLog(_kit.Database, _kit.DeviceId);
        for (int i = 0; i < 4; i++)
        {
            log.Append(_kit.Time.GetUtcNow(), "command", "status", "cmd-0000000" + i, null, null, FleetOutcomes.Done, null, null);
        }

        Execute("DROP TRIGGER audit_no_rewrite");
        Execute("UPDATE audit SET body = replace(body, '\"outcome\":\"done\"', '\"outcome\":\"rejected\"') WHERE sequence = 2");
        Assert.False(log.Verify(out long broken));
        Assert.Equal(2, broken);
    }

    [Fact]
    public void Unpublished_entries_come_in_order_until_marked()
    {
        var log = new AuditLog(_kit.Database, _kit.DeviceId);
        for (int i = 0; i < 3; i++)
        {
            log.Append(_kit.Time.GetUtcNow(), "command", "status", "cmd-0000000" + i, null, null, FleetOutcomes.Done, null, null);
        }

        log.MarkPublished(1);
        Assert.Equal([2L, 3L], log.Unpublished(10).Select(entry => entry.Sequence));
    }

    public void Dispose() => _kit.Dispose();

    private void Execute(string sql)
    {
        using SqliteCommand command = _kit.Database.Connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
