using EdgeCapture.Protocol;
using EdgeCapture.Storage;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace EdgeCapture.Transport.Tests;

public sealed class RateLimitTests
{
    [Fact]
    public async Task The_token_bucket_releases_bytes_only_as_time_passes()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(1000, 1000, time);
        await bucket.TakeAsync(1000, CancellationToken.None);
        ValueTask next = bucket.TakeAsync(500, CancellationToken.None);
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(400));
        await Task.Yield();
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(200));
        await next.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_take_larger_than_the_burst_waits_for_a_full_bucket_and_then_goes_into_debt()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(1000, 1000, time);
        await bucket.TakeAsync(3000, CancellationToken.None);
        ValueTask next = bucket.TakeAsync(1, CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(1500));
        await Task.Yield();
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(600));
        await next.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task The_uploader_sends_no_faster_than_the_configured_rate()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using UploadRig rig = await UploadRig.StartAsync();
        rig.UploaderTime = time;
        rig.ConfigureUploader = options => new UploaderOptions
        {
            CollectorKey = options.CollectorKey, MaximumPartSize = 4096, RateLimitBytesPerSecond = 4096, RateLimitBurstBytes = 4096,
            AnswerTimeout = TimeSpan.FromSeconds(30), IdlePollInterval = TimeSpan.FromMilliseconds(50),
        };
        SegmentKey[] keys = rig.AppendSegments(1, 4 * 4096);
        SegmentReference segment = UploadRig.Reference(keys[0]);
        rig.StartBox();

        int Parts() => rig.Collector.PartArrivals.Count(arrival => arrival.Key.Segment == segment);
        await Eventually.HoldsAsync(() => Parts() == 1, "the first part (the full bucket) went out");
        for (int expected = 2; expected <= 4; expected++)
        {
            // Real time passes, the upload clock does not: nothing more may leave.
            await Task.Delay(300);
            Assert.Equal(expected - 1, Parts());
            time.Advance(TimeSpan.FromMilliseconds(1100));
            await Eventually.HoldsAsync(() => Parts() == expected, "one more part after a second of upload time");
        }

        time.Advance(TimeSpan.FromSeconds(2));
        await Eventually.HoldsAsync(() => rig.State(keys[0]) == UploadState.Acknowledged, "the segment is acknowledged", diagnostics: rig.Logs);
    }
}

public sealed class PresenceTests
{
    [Fact]
    public async Task Birth_is_retained_and_a_dropped_connection_publishes_the_will_with_the_same_bd_seq()
    {
        await using UploadRig rig = await UploadRig.StartAsync();
        var presence = new System.Collections.Concurrent.ConcurrentQueue<SignedMessage<PresenceMessage>>();
        using IMqttClient observer = new MqttClientFactory().CreateMqttClient();
        observer.ApplicationMessageReceivedAsync += arguments =>
        {
            presence.Enqueue(PresenceCodec.Decode(System.Buffers.BuffersExtensions.ToArray(arguments.ApplicationMessage.Payload)));
            return Task.CompletedTask;
        };
        await observer.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", rig.Broker.Port).WithClientId("observer").Build());
        await observer.SubscribeAsync(UploadTopics.AllPresence, MqttQualityOfServiceLevel.AtLeastOnce);
        rig.StartBox();

        await Eventually.HoldsAsync(() => !presence.IsEmpty, "the birth arrived");
        SignedMessage<PresenceMessage> birth = presence.First();
        Assert.True(birth.IsSignedBy(rig.DeviceKey.PublicKey));
        Assert.True(birth.Message.Online);
        Assert.Equal(1, birth.Message.BirthDeathSequence);
        MqttApplicationMessage retained = await rig.Broker.Server.GetRetainedMessageAsync(UploadTopics.Presence(UploadRig.DeviceId));
        Assert.True(PresenceCodec.Decode(System.Buffers.BuffersExtensions.ToArray(retained.Payload)).Message.Online);

        // The broker drops the box (as on a network cut): the Will is the death of connection 1; the box comes back as 2.
        await rig.Broker.Server.DisconnectClientAsync(UploadRig.DeviceId, new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.ImplementationSpecificError });
        await Eventually.HoldsAsync(() => presence.Any(message => !message.Message.Online), "the death arrived");
        SignedMessage<PresenceMessage> death = presence.First(message => !message.Message.Online);
        Assert.True(death.IsSignedBy(rig.DeviceKey.PublicKey));
        Assert.Equal(1, death.Message.BirthDeathSequence);
        await Eventually.HoldsAsync(() => presence.Any(message => message.Message.Online && message.Message.BirthDeathSequence == 2), "the next birth arrived");

        // A clean stop publishes the death itself (a clean disconnect does not fire the Will).
        await rig.StopBoxAsync();
        await Eventually.HoldsAsync(() => presence.Any(message => !message.Message.Online && message.Message.BirthDeathSequence == 2), "the stop's death arrived");
        retained = await rig.Broker.Server.GetRetainedMessageAsync(UploadTopics.Presence(UploadRig.DeviceId));
        Assert.False(PresenceCodec.Decode(System.Buffers.BuffersExtensions.ToArray(retained.Payload)).Message.Online);
    }

    [Fact]
    public async Task A_stop_while_the_birth_awaits_its_acknowledgement_still_leaves_the_box_offline()
    {
        // The stop is requested while the broker handles the birth, before its PUBACK can leave: the box's publish of the
        // birth is cancelled, but the broker keeps the birth retained. Without a death after it the box stayed "online".
        await using UploadRig rig = await UploadRig.StartAsync();
        int stopsRequested = 0;
        rig.Broker.Server.InterceptingPublishAsync += arguments =>
        {
            if (arguments.ApplicationMessage.Topic == UploadTopics.Presence(UploadRig.DeviceId)
                && PresenceCodec.Decode(System.Buffers.BuffersExtensions.ToArray(arguments.ApplicationMessage.Payload)).Message.Online
                && Interlocked.Increment(ref stopsRequested) == 1)
            {
                rig.RequestStop();
            }

            return Task.CompletedTask;
        };
        rig.StartBox();
        await Eventually.HoldsAsync(() => Volatile.Read(ref stopsRequested) == 1, "the birth reached the broker");
        await rig.StopBoxAsync();

        // The death may come from the box or, as the broker publishes the Will once the connection is gone, a moment later.
        PresenceMessage Retained() => PresenceCodec.Decode(System.Buffers.BuffersExtensions.ToArray(
            rig.Broker.Server.GetRetainedMessageAsync(UploadTopics.Presence(UploadRig.DeviceId)).GetAwaiter().GetResult().Payload)).Message;
        await Eventually.HoldsAsync(() => !Retained().Online, "the retained presence says offline after the box stopped", diagnostics: rig.Logs);
        Assert.Equal(1, Retained().BirthDeathSequence);
    }

    [Fact]
    public void The_bd_seq_file_survives_restarts_and_refuses_garbage()
    {
        string path = Path.Combine(Path.GetTempPath(), "edgecapture-bdseq-" + Guid.NewGuid().ToString("N"));
        try
        {
            Assert.Equal(1, new PresenceSequenceFile(path).Advance());
            Assert.Equal(2, new PresenceSequenceFile(path).Advance());
            var sequence = new PresenceSequenceFile(path);
            Assert.Equal(3, sequence.Advance());
            Assert.Equal(4, sequence.Advance());
            File.WriteAllText(path, "not a number");
            Assert.Throws<InvalidDataException>(() => new PresenceSequenceFile(path).Advance());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
