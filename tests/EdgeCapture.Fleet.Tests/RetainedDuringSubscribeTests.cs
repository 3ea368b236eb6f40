using System.Net;
using EdgeCapture.Fleet.Link;
using MQTTnet;
using MQTTnet.Server;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Fleet.Tests;

/// <summary>
/// MQTTnet's broker takes its snapshot of retained messages before it registers a new subscription: a retained message
/// published in between reaches the subscriber neither as retained nor as live. The link subscribes a second time, so an
/// operator never sees a box's statuses without its birth.
/// </summary>
public sealed class RetainedDuringSubscribeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_retained_message_published_while_the_broker_registers_the_subscription_still_arrives()
    {
        int port = FreePort.Next();
        var factory = new MqttServerFactory();
        using MqttServer server = factory.CreateMqttServer(factory.CreateServerOptionsBuilder().WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointPort(port).Build());
        int injected = 0;
        server.InterceptingSubscriptionAsync += async arguments =>
        {
            // Inside the window: the retained snapshot is taken, the subscription not yet registered. Once only.
            if (Interlocked.Exchange(ref injected, 1) == 0)
            {
                MqttApplicationMessage birth = new MqttApplicationMessageBuilder().WithTopic("edgecapture/box-1/up/presence").WithPayload("birth"u8.ToArray()).WithRetainFlag().Build();
                await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(birth) { SenderClientId = "box-1" });
            }
        };
        await server.StartAsync();
        try
        {
            var received = new TaskCompletionSource<FleetIncomingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var link = new MqttFleetLink(new MqttFleetLinkOptions { Host = "127.0.0.1", Port = port, ClientId = "operator-test" }, NullLogger<MqttFleetLink>.Instance);
            await link.StartAsync(
                new FleetLinkSession { Subscriptions = ["edgecapture/+/up/presence"], NextWill = () => null, OnConnected = () => [], OnMessage = message => received.TrySetResult(message) },
                CancellationToken.None);
            FleetIncomingMessage message = await received.Task.WaitAsync(Wait);
            Assert.Equal("edgecapture/box-1/up/presence", message.Topic);
            Assert.Equal("birth"u8.ToArray(), message.Payload.ToArray());
            Assert.Equal(1, Volatile.Read(ref injected));
        }
        finally
        {
            await server.StopAsync();
        }
    }
}
