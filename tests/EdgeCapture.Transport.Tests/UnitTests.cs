using FsCheck;
using FsCheck.Xunit;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeCapture.Transport.Tests;

public sealed class PacketSizeTests
{
    [Property(MaxTest = 200)]
    public void The_computed_publish_size_is_the_size_MQTTnet_writes(NonEmptyString topicSeed, PositiveInt payloadLength, bool withResponseTopic, byte correlationLength)
    {
        string topic = new(topicSeed.Get.Where(character => character is > ' ' and < '~' and not ('+' or '#')).Take(300).ToArray());
        if (topic.Length == 0)
        {
            topic = "t";
        }

        int length = payloadLength.Get % 300_000;
        var message = new OutgoingMessage(topic, new byte[length], ResponseTopic: withResponseTopic ? topic + "/answer" : null,
            CorrelationData: new byte[correlationLength % 65]);
        var packet = new MqttPublishPacket
        {
            Topic = topic,
            Payload = new System.Buffers.ReadOnlySequence<byte>(new byte[length]),
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            PacketIdentifier = 1,
            ResponseTopic = message.ResponseTopic,
            CorrelationData = message.CorrelationData.IsEmpty ? null : message.CorrelationData.ToArray(),
        };
        var formatter = new MqttPacketFormatterAdapter(MqttProtocolVersion.V500, new MqttBufferWriter(4096, 65536));
        Assert.Equal(formatter.Encode(packet).Length, MqttPacketSize.OfPublish(message));
    }
}

public sealed class ReconnectBackoffTests
{
    [Fact]
    public void Delays_grow_exponentially_with_jitter_up_to_the_cap_and_reset_after_success()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2), new Random(7));
        var delays = Enumerable.Range(0, 12).Select(_ => backoff.NextDelay().TotalMilliseconds).ToArray();
        Assert.All(delays, delay => Assert.InRange(delay, 100, 2000));
        Assert.InRange(delays[0], 100, 100);
        Assert.InRange(delays[1], 100, 200);
        Assert.InRange(delays[2], 100, 400);
        Assert.True(delays.Skip(5).Distinct().Count() > 3, "jitter spreads the delays");
        backoff.Reset();
        Assert.InRange(backoff.NextDelay().TotalMilliseconds, 100, 100);
    }
}

public sealed class ConnectionOptionsTests
{
    [Theory]
    [InlineData("http://127.0.0.1:1883", false)]
    [InlineData("mqtt://127.0.0.1:1883", true)]
    [InlineData("mqtts://127.0.0.1:8883", false)]
    public void Broker_uris_and_tls_must_agree(string uri, bool valid)
    {
        var options = new MqttConnectionOptions { BrokerUri = new Uri(uri), DeviceId = "box-1" };
        if (valid)
        {
            options.Validate();
        }
        else
        {
            Assert.Throws<ArgumentException>(options.Validate);
        }
    }

    [Fact]
    public void A_device_id_that_is_not_one_topic_level_is_refused()
    {
        Assert.Throws<ArgumentException>(new MqttConnectionOptions { BrokerUri = new Uri("mqtt://127.0.0.1"), DeviceId = "a/b" }.Validate);
    }
}
