using System.CommandLine;
using EdgeCapture.Collector;
using EdgeCapture.Collector.Index;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;

namespace EdgeCapture.Cli.Commands;

/// <summary><c>edgecapture collector enroll DEVICE-ID ed25519:PUBLIC-KEY</c>: registers a box; anything from a device not enrolled is quarantined.</summary>
internal static class CollectorEnrollCommand
{
    public static Command Create()
    {
        var deviceId = new Argument<string>("device-id") { Description = "The box's device id (as in its appliance.json and its certificate's common name)." };
        var publicKey = new Argument<string>("public-key") { Description = "The box's device public key, ed25519:BASE64 (edgecapture keys device-public)." };
        var store = CollectorCommand.StoreOption();
        var replace = new Option<bool>("--replace") { Description = "Replace the key of a device already enrolled with another key (a re-provisioned box)." };
        var command = new Command("enroll", "Enrol a box: its device id and the Ed25519 key its manifests are signed with.");
        command.Arguments.Add(deviceId);
        command.Arguments.Add(publicKey);
        command.Options.Add(store);
        command.Options.Add(replace);
        command.SetAction(parseResult =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            string id = parseResult.GetValue(deviceId)!;
            if (!DeviceIdentifier.IsValid(id))
            {
                stderr.WriteLine($"collector enroll: '{id}' is not a valid device id (printable ASCII without space, '/', '+', '#', not starting with '$').");
                return ExitCodes.Usage;
            }

            DevicePublicKey key;
            try
            {
                key = DevicePublicKey.Parse(parseResult.GetValue(publicKey)!);
            }
            catch (DeviceKeyFormatException error)
            {
                stderr.WriteLine($"collector enroll: {error.Message}");
                return ExitCodes.Usage;
            }

            using CollectorStore collectorStore = CollectorStore.Open(new CollectorOptions { StoreDirectory = Path.GetFullPath(parseResult.GetValue(store)!) });
            EnrollmentResult result = collectorStore.Index.Enroll(id, key, parseResult.GetValue(replace), DateTimeOffset.UtcNow);
            switch (result)
            {
                case EnrollmentResult.KeyConflict:
                    stderr.WriteLine($"collector enroll: {id} is already enrolled with another key; give --replace to change it.");
                    return ExitCodes.Failed;
                case EnrollmentResult.AlreadyEnrolled:
                    stdout.WriteLine($"{id} is already enrolled with {key}.");
                    return 0;
                default:
                    stdout.WriteLine($"{(result == EnrollmentResult.KeyReplaced ? "re-enrolled" : "enrolled")} {id} {key}");
                    return 0;
            }
        });
        return command;
    }
}
