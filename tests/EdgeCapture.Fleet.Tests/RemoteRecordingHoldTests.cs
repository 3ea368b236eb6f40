using EdgeCapture.Fleet.Box;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace EdgeCapture.Fleet.Tests;

/// <summary>"The switch wins": the remote stop only ever makes recording stricter.</summary>
public sealed class RemoteRecordingHoldTests
{
    [Fact]
    public void A_stop_covers_instants_from_the_stop_until_it_is_lifted()
    {
        long now = 1_000;
        var hold = new RemoteRecordingHold(() => now, stoppedAtStart: false);
        Assert.True(hold.Permits(500));
        now = 2_000;
        hold.Stop();
        Assert.True(hold.Permits(1_999));
        Assert.False(hold.Permits(2_000));
        now = 3_000;
        hold.Lift();
        Assert.False(hold.Permits(2_500));
        Assert.True(hold.Permits(3_000));
    }

    [Fact]
    public void A_hold_started_stopped_refuses_everything_until_lifted()
    {
        long now = 10;
        var hold = new RemoteRecordingHold(() => now, stoppedAtStart: true);
        Assert.True(hold.IsStopped);
        Assert.False(hold.Permits(long.MinValue + 1));
        Assert.False(hold.Permits(5));
    }

    /// <summary>
    /// For any switch timeline and any sequence of remote stops and allows (allow-recording included), the composed gate
    /// never records an instant the switch called private: the combination is an AND, never an OR.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property No_remote_sequence_makes_a_private_instant_recordable()
    {
        Gen<bool[]> switchPublic = Gen.Elements(true, false).ArrayOf(64);
        Gen<int[]> remote = Gen.Choose(0, 2).ArrayOf(64);
        return Prop.ForAll(switchPublic.ToArbitrary(), remote.ToArbitrary(), (isPublic, actions) =>
        {
            long now = 0;
            var hold = new RemoteRecordingHold(() => now, stoppedAtStart: false);
            Func<long, bool> gate = hold.Restrict(instant => instant >= 0 && instant < isPublic.Length * 10 && isPublic[instant / 10]);
            for (int step = 0; step < actions.Length; step++)
            {
                now = step * 10;
                _ = actions[step] switch
                {
                    0 => hold.Stop(),
                    1 => hold.Lift(),
                    _ => false,
                };
                for (long instant = now; instant < now + 10; instant++)
                {
                    if (gate(instant) && !isPublic[instant / 10])
                    {
                        return false;
                    }
                }
            }

            return true;
        });
    }
}
