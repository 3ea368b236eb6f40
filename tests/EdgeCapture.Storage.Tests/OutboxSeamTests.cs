using System.Reflection;

namespace EdgeCapture.Storage.Tests;

/// <summary>The outbox's consumers get narrow seams: the recorder cannot change upload states, the transport cannot append or forget.</summary>
public sealed class OutboxSeamTests
{
    private static string[] Members(Type type) => [.. type.GetMembers(BindingFlags.Public | BindingFlags.Instance).Select(member => member.Name).Distinct().Order()];

    [Fact]
    public void The_recorder_seam_appends_and_forgets_but_cannot_touch_upload_states()
    {
        string[] members = Members(typeof(IRecordingOutbox));
        Assert.Contains(nameof(IRecordingOutbox.AppendSealedSegment), members);
        Assert.Contains(nameof(IRecordingOutbox.Forget), members);
        foreach (string upload in Members(typeof(IUploadBacklog)))
        {
            Assert.DoesNotContain(upload, members);
        }
    }

    [Fact]
    public void The_upload_queue_cannot_append_forget_or_queue_retractions()
    {
        string[] members = Members(typeof(IUploadBacklog));
        foreach (string recorder in Members(typeof(IRecordingOutbox)))
        {
            Assert.DoesNotContain(recorder, members);
        }

        Assert.DoesNotContain(members, name => name.Contains("Chain", StringComparison.Ordinal) || name.Contains("Forget", StringComparison.Ordinal));
    }

    [Fact]
    public void The_outbox_implements_both_seams()
    {
        Assert.True(typeof(IRecordingOutbox).IsAssignableFrom(typeof(SegmentOutbox)));
        Assert.True(typeof(IUploadBacklog).IsAssignableFrom(typeof(SegmentOutbox)));
    }
}
