using System.Globalization;
using System.Security.Cryptography;
using EdgeCapture.Collector.Broker;
using EdgeCapture.Crypto;
using EdgeCapture.Fleet.Link;
using EdgeCapture.Fleet.Operators;
using EdgeCapture.Fleet.View;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// The demo's IT operator: a signing key generated in <c>DIR/operator/operator.key</c> (its public key is the trusted signer
/// in every box's <c>fleet.json</c>), an operator session over the embedded broker (the Fleet library's
/// <see cref="FleetOperatorSession"/>, what <c>edgecapture fleet</c> uses), one signed command to a group of boxes with their
/// signed responses verified against each box's key, and one signed desired-configuration document for all boxes with what
/// each box reports back.
/// </summary>
internal static class DemoFleet
{
    /// <summary>The configuration change sent to every box (a setting a remote operator may change).</summary>
    public const string Settings = """{"videoJpegQuality":70}""";

    private static readonly TimeSpan ConnectLimit = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan AnswerLimit = TimeSpan.FromSeconds(15);

    /// <summary>Sends the command and the configuration change; reports each step; returns what happened (never throws for a refusal).</summary>
    public static async Task<DemoFleetOutcome> RunAsync(int brokerPort, string operatorPassword, PersonalSigningKey operatorKey, IReadOnlyList<DemoBox> boxes, Action<string> report, CancellationToken cancellationToken)
    {
        FleetOperatorSession session;
        try
        {
            using var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connecting.CancelAfter(ConnectLimit);

            // The operator role on the embedded broker's plain loopback TCP: its user name and password (over TLS, a client
            // certificate with that common name). The role may read the fleet and write commands; only signatures make them count.
            var options = new MqttFleetLinkOptions { Host = "127.0.0.1", Port = brokerPort, ClientId = FleetOperatorSession.NewClientId(), UserName = EmbeddedBroker.OperatorUserName, Password = operatorPassword };
            session = await FleetOperatorSession.ConnectAsync(options, TimeProvider.System, null, followDesired: true, connecting.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is FleetBrokerException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            string reason = exception is FleetBrokerException
                ? exception.Message
                : string.Create(CultureInfo.InvariantCulture, $"the embedded broker did not let the operator connect within {ConnectLimit.TotalSeconds:0} s");
            report("fleet: " + reason);
            return new DemoFleetOutcome(false, reason, [], 0, null);
        }

        await using (session.ConfigureAwait(false))
        {
            FleetTarget group = FleetTarget.Group(DemoBoxPlan.CommandGroup);
            string[] members = [.. boxes.Where(box => box.Plan.Groups.Contains(DemoBoxPlan.CommandGroup)).Select(box => box.DeviceId)];
            await WaitUntilAsync(() => members.All(member => session.View.Device(member) is { IsOnline: true }), cancellationToken).ConfigureAwait(false);
            DateTimeOffset now = TimeProvider.System.GetUtcNow();
            var command = new FleetCommand
            {
                Id = "cmd-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)),
                Name = FleetCommandNames.Status,
                Target = group,
                IssuedAt = now,
                ExpiresAt = now.AddMinutes(5),
                ArgumentsJson = "{}",
            };
            report($"fleet: operator signs '{command.Name}' for {group} ({string.Join(", ", members)}) and publishes it on the embedded broker");
            IReadOnlyList<VerifiedResponse> responses = await session.SendAsync(command, operatorKey, members.Length, AnswerLimit, null, cancellationToken).ConfigureAwait(false);
            foreach (VerifiedResponse response in responses.OrderBy(response => response.Response.Device, StringComparer.Ordinal))
            {
                report(string.Create(CultureInfo.InvariantCulture,
                    $"fleet: {response.Response.Device} answered {response.Response.Outcome}{(response.Response.Reason is { } reason ? " (" + reason + ")" : string.Empty)}, signature {(response.SignatureVerified ? "verified with the box's key" : "NOT VERIFIED")}, {response.Latency.TotalMilliseconds:0} ms"));
            }

            FleetTarget everyone = FleetTarget.Group(DemoBoxPlan.AllGroup);
            long version = (session.Desired(everyone)?.Version ?? 0) + 1;
            var desired = new FleetDesiredConfiguration { Target = everyone, Version = version, BaseVersion = version - 1, IssuedAt = TimeProvider.System.GetUtcNow(), SettingsJson = Settings };
            bool published = await session.PublishDesiredAsync(desired, operatorKey, cancellationToken).ConfigureAwait(false);
            report($"fleet: operator signs desired configuration {everyone} version {version} {Settings}: {(published ? "published (retained)" : "NOT accepted by the broker")}");
            var reported = new List<FleetReportedConfiguration>();
            if (published)
            {
                bool Reported(DemoBox box) => session.View.Device(box.DeviceId)?.Reported is { } configuration && configuration.GroupVersions.TryGetValue(DemoBoxPlan.AllGroup, out long seen) && seen >= version;
                await WaitUntilAsync(() => boxes.All(Reported), cancellationToken).ConfigureAwait(false);
                foreach (DemoBox box in boxes)
                {
                    if (session.View.Device(box.DeviceId)?.Reported is { } configuration && Reported(box))
                    {
                        reported.Add(configuration);
                        report($"fleet: {box.DeviceId} reports {DemoBoxPlan.AllGroup} version {version}: applied [{string.Join(", ", configuration.Applied.Keys)}]{string.Concat(configuration.Rejected.Select(note => $"; {note.Key}: {note.Reason}"))}");
                    }
                    else
                    {
                        report($"fleet: {box.DeviceId} did not report version {version} in time");
                    }
                }
            }

            return new DemoFleetOutcome(true, null, responses, members.Length, reported);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        DateTime deadline = DateTime.UtcNow + AnswerLimit;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>What the fleet step did.</summary>
/// <param name="Connected">Whether the operator's session connected at all.</param>
/// <param name="Refusal">Why not, when not.</param>
/// <param name="Responses">The signed responses to the command.</param>
/// <param name="Addressed">How many boxes the command addressed.</param>
/// <param name="Reported">The boxes' reported configurations after the change, or null.</param>
internal sealed record DemoFleetOutcome(bool Connected, string? Refusal, IReadOnlyList<VerifiedResponse> Responses, int Addressed, IReadOnlyList<FleetReportedConfiguration>? Reported)
{
    /// <summary>The fleet step as a proof: every addressed box answered the command, done, with a verified signature, and every box reported the change.</summary>
    public DemoProof ToProof(int boxes)
    {
        int verified = Responses.Count(response => response.SignatureVerified && response.Response.Outcome == FleetOutcomes.Done);
        int reported = Reported?.Count ?? 0;
        bool passed = Connected && Addressed > 0 && verified == Addressed && Responses.Count == Addressed && reported == boxes;
        string detail = !Connected
            ? "not shown: " + Refusal
            : string.Create(CultureInfo.InvariantCulture,
                $"'status' to group:{DemoBoxPlan.CommandGroup}: {verified} of {Addressed} box(es) answered done, each response's signature verified with that box's key; configuration {DemoFleet.Settings} to group:{DemoBoxPlan.AllGroup}: reported back by {reported} of {boxes}");
        return new DemoProof("fleet command and configuration change, signed both ways", passed, detail);
    }
}
