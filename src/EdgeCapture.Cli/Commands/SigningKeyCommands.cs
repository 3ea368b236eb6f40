using System.CommandLine;
using EdgeCapture.Crypto;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture keys operator generate</c> and <c>edgecapture keys custodian-signing generate</c>: the Ed25519 keys people
/// sign fleet commands with. The public key goes into each box's root-owned fleet configuration with its role.
/// </summary>
internal static class SigningKeyCommands
{
    public static Command CreateOperator() => Create("operator", PersonalSigningKeyKind.Operator, "An IT operator's Ed25519 signing key: signs configuration and operational fleet commands.");

    public static Command CreateCustodianSigning() => Create("custodian-signing", PersonalSigningKeyKind.CustodianSigning, "The custodian's Ed25519 signing key: the only key that may change who can read the data (set-recipients).");

    private static Command Create(string name, PersonalSigningKeyKind kind, string description)
    {
        var command = new Command(name, description);
        var output = new Option<string?>("--output", "-o") { Description = "Write the key to this new file (mode 0600; never overwritten). Without it the key goes to standard output." };
        var generate = new Command("generate", "Generate the key and print its public key (ed25519:...).");
        generate.Options.Add(output);
        generate.SetAction(parseResult =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            string? path = parseResult.GetValue(output);
            using PersonalSigningKey key = PersonalSigningKey.Generate(kind);
            DateTimeOffset now = TimeProvider.System.GetUtcNow();
            if (CliFiles.IsStandardStream(path))
            {
                key.WriteTo(stdout, now);
                stderr.WriteLine("Public key: " + key.PublicKey);
                return ExitCodes.Success;
            }

            try
            {
                key.Save(path!, now);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                return CliErrors.Report(stderr, $"keys {name} generate", error.Message, ExitCodes.Unavailable);
            }

            stdout.WriteLine(key.PublicKey.ToString());
            return ExitCodes.Success;
        });
        var key = new Option<string>("--key", "-i") { Description = "The key file.", Required = true };
        var show = new Command("public", "Print the public key (ed25519:...) of the key file.");
        show.Options.Add(key);
        show.SetAction(parseResult =>
        {
            try
            {
                using PersonalSigningKey loaded = PersonalSigningKey.Load(parseResult.GetValue(key)!, kind);
                parseResult.InvocationConfiguration.Output.WriteLine(loaded.PublicKey.ToString());
                return ExitCodes.Success;
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or DeviceKeyFormatException)
            {
                return CliErrors.Report(parseResult.InvocationConfiguration.Error, $"keys {name} public", error.Message, ExitCodes.Unavailable);
            }
        });
        command.Subcommands.Add(generate);
        command.Subcommands.Add(show);
        return command;
    }
}
