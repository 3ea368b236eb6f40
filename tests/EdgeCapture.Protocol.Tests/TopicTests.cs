using EdgeCapture.Protocol;

namespace EdgeCapture.Protocol.Tests;

public sealed class TopicTests
{
    [Fact]
    public void Topics_are_versioned_and_split_into_up_and_down()
    {
        Assert.Equal("edgecapture/v1/box-1/up/part", UploadTopics.Part("box-1"));
        Assert.Equal("edgecapture/v1/box-1/up/commit", UploadTopics.Commit("box-1"));
        Assert.Equal("edgecapture/v1/box-1/up/retraction", UploadTopics.Retraction("box-1"));
        Assert.Equal("edgecapture/v1/box-1/up/presence", UploadTopics.Presence("box-1"));
        Assert.Equal("edgecapture/v1/box-1/down/answer", UploadTopics.Answer("box-1"));
        Assert.Equal("edgecapture/v1/box-1/down/fleet/command", UploadTopics.ForDevice("box-1", "down/fleet/command"));
        Assert.Equal("edgecapture/v1/+/up/commit", UploadTopics.AllCommits);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a+")]
    [InlineData("#")]
    [InlineData("with space")]
    [InlineData("$SYS")]
    [InlineData("caf\u00e9")]
    public void Device_ids_that_could_widen_a_topic_or_an_acl_are_refused(string deviceId)
    {
        Assert.False(DeviceIdentifier.IsValid(deviceId));
        Assert.Throws<ProtocolFormatException>(() => UploadTopics.Part(deviceId));
    }

    [Theory]
    [InlineData("part")]
    [InlineData("up/#")]
    [InlineData("up/")]
    [InlineData("down//x")]
    public void Suffixes_outside_up_and_down_or_with_wildcards_are_refused(string suffix)
    {
        Assert.Throws<ArgumentException>(() => UploadTopics.ForDevice("box-1", suffix));
    }

    [Theory]
    [InlineData("edgecapture/v1/box-7/up/commit", true, "box-7", "up/commit")]
    [InlineData("edgecapture/v1/box-7/down/fleet/x", true, "box-7", "down/fleet/x")]
    [InlineData("edgecapture/v2/box-7/up/commit", false, "", "")]
    [InlineData("edgecapture/v1/box-7", false, "", "")]
    [InlineData("edgecapture/v1//up/commit", false, "", "")]
    [InlineData("edgecapture/v1/box-7/", false, "", "")]
    public void Received_topics_are_parsed_strictly(string topic, bool valid, string deviceId, string suffix)
    {
        Assert.Equal(valid, UploadTopics.TryParse(topic, out string parsedDevice, out string parsedSuffix));
        Assert.Equal(deviceId, parsedDevice);
        Assert.Equal(suffix, parsedSuffix);
    }
}
