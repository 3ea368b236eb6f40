using System.CommandLine;
using EdgeCapture.Crypto;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture keys</c>: custodian age identities and the box's Ed25519 device key. Secrets go only to a new
/// 0600 file (never overwritten) or, without <c>-o</c>, to standard output as <c>age-keygen</c> does.
/// </summary>
internal static class KeyCommands
{
    public static Command Create()
    {
        var keys = new Command("keys", "Create and inspect custodian age identities and the device signing key.");
        keys.Subcommands.Add(CreateGenerate());
        keys.Subcommands.Add(CreatePublic());
        keys.Subcommands.Add(CreateDevice());
        keys.Subcommands.Add(CreateDevicePublic());
        keys.Subcommands.Add(SigningKeyCommands.CreateOperator());
        keys.Subcommands.Add(SigningKeyCommands.CreateCustodianSigning());
        return keys;
    }

    private static Command CreateGenerate()
    {
        var output = new Option<string?>("--output", "-o") { Description = "Write the identity to this new file (mode 0600; an existing file is never overwritten). Without it the identity goes to standard output." };
        var command = new Command("generate", "Generate a custodian X25519 age identity and print its recipient (age1...).");
        command.Options.Add(output);
        command.SetAction(parseResult =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            string? path = parseResult.GetValue(output);
            using AgeIdentity identity = AgeIdentity.Generate();
            DateTimeOffset now = TimeProvider.System.GetUtcNow();
            if (string.IsNullOrEmpty(path) || path == "-")
            {
                identity.WriteTo(stdout, now);
                stderr.WriteLine("Public key: " + identity.Recipient);
                return ExitCodes.Success;
            }

            try
            {
                identity.SaveFile(path, now);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                return CliErrors.Report(stderr, "keys generate", error.Message, ExitCodes.Unavailable);
            }

            stdout.WriteLine(identity.Recipient.ToString());
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreatePublic()
    {
        var input = new Option<string>("--identity", "-i") { Description = "Identity file (age-keygen format; '-' for standard input).", Required = true };
        var command = new Command("public", "Print the recipient (age1...) of every identity in an identity file.");
        command.Options.Add(input);
        command.SetAction(parseResult =>
        {
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            if (!CliFiles.TryLoadIdentities(parseResult.GetValue(input)!, stderr, "keys public", out IReadOnlyList<AgeIdentity>? identities))
            {
                return ExitCodes.Unavailable;
            }

            foreach (AgeIdentity identity in identities)
            {
                parseResult.InvocationConfiguration.Output.WriteLine(identity.Recipient.ToString());
                identity.Dispose();
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateDevice()
    {
        var output = new Option<string?>("--output", "-o") { Description = "Write the device key to this new file (mode 0600; never overwritten). Without it the key goes to standard output." };
        var command = new Command("device", "Generate the box's Ed25519 device signing key and print its public key (ed25519:...).");
        command.Options.Add(output);
        command.SetAction(parseResult =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            string? path = parseResult.GetValue(output);
            using DeviceSigningKey key = DeviceSigningKey.Generate();
            DateTimeOffset now = TimeProvider.System.GetUtcNow();
            if (string.IsNullOrEmpty(path) || path == "-")
            {
                key.WriteTo(stdout, now);
                stderr.WriteLine("Public key: " + key.PublicKey);
                return ExitCodes.Success;
            }

            try
            {
                key.Save(path, now);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                return CliErrors.Report(stderr, "keys device", error.Message, ExitCodes.Unavailable);
            }

            stdout.WriteLine(key.PublicKey.ToString());
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateDevicePublic()
    {
        var input = new Option<string>("--key", "-i") { Description = "Device key file.", Required = true };
        var command = new Command("device-public", "Print the public key (ed25519:...) of a device key file.");
        command.Options.Add(input);
        command.SetAction(parseResult =>
        {
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            try
            {
                using DeviceSigningKey key = DeviceSigningKey.Load(parseResult.GetValue(input)!);
                parseResult.InvocationConfiguration.Output.WriteLine(key.PublicKey.ToString());
                return ExitCodes.Success;
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or DeviceKeyFormatException)
            {
                return CliErrors.Report(stderr, "keys device-public", error.Message, ExitCodes.Unavailable);
            }
        });
        return command;
    }
}
