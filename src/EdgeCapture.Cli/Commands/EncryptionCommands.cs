using System.CommandLine;
using EdgeCapture.Crypto;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture encrypt</c> and <c>edgecapture decrypt</c>: age v1 files (X25519 recipients), compatible with
/// the <c>age</c> tool. Input defaults to standard input and output to standard output. Exit codes: see
/// <see cref="ExitCodes"/>.
/// </summary>
internal static class EncryptionCommands
{
    private const int CopyBufferSize = 256 * 1024;

    public static Command CreateEncrypt()
    {
        var recipients = new Option<string[]>("--recipient", "-r") { Description = "Encrypt to this age1... recipient; repeat for several.", AllowMultipleArgumentsPerToken = false };
        var recipientFiles = new Option<string[]>("--recipients-file", "-R") { Description = "Encrypt to every recipient in this file (one age1... per line, # comments); repeatable." };
        var armor = new Option<bool>("--armor", "-a") { Description = "Write the PEM armor (AGE ENCRYPTED FILE) instead of binary." };
        var output = new Option<string?>("--output", "-o") { Description = "Write the encrypted file here (default: standard output)." };
        var input = new Argument<string?>("input") { Description = "File to encrypt (default or '-': standard input).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("encrypt", "Encrypt to one or more age X25519 recipients.");
        command.Options.Add(recipients);
        command.Options.Add(recipientFiles);
        command.Options.Add(armor);
        command.Options.Add(output);
        command.Arguments.Add(input);
        command.SetAction(parseResult =>
        {
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            IReadOnlyList<AgeRecipient> all;
            try
            {
                all = AgeRecipientLoader.Load(parseResult.GetValue(recipients) ?? [], parseResult.GetValue(recipientFiles) ?? []);
            }
            catch (AgeRecipientSourceException error) when (error.Kind == AgeRecipientSourceKind.Text)
            {
                return CliErrors.Report(stderr, "encrypt", $"invalid recipient: {error.Message}", ExitCodes.Usage);
            }
            catch (AgeRecipientSourceException error)
            {
                return CliErrors.Report(stderr, "encrypt", $"cannot use recipients file '{error.Path}': {error.InnerException?.Message ?? error.Message}", ExitCodes.Unavailable);
            }

            if (all.Count == 0)
            {
                return CliErrors.Report(stderr, "encrypt", "no recipient: give -r age1... or -R file.", ExitCodes.Usage);
            }

            bool armored = parseResult.GetValue(armor);
            string? outputPath = parseResult.GetValue(output);
            if (CliFiles.IsStandardStream(outputPath) && !armored && !Console.IsOutputRedirected)
            {
                return CliErrors.Report(stderr, "encrypt", "refusing to write binary ciphertext to a terminal; use -o FILE, redirect, or -a.", ExitCodes.Usage);
            }

            var options = new AgeEncryptionOptions { Armor = armored, MaxDegreeOfParallelism = Environment.ProcessorCount };
            return Transform("encrypt", parseResult.GetValue(input), outputPath, stderr, (source, destination) =>
            {
                using AgeEncryptingStream encrypting = AgeEncryptingStream.Create(destination, all, options with { LeaveOpen = true });
                source.CopyTo(encrypting, CopyBufferSize);
                encrypting.Complete();
            });
        });
        return command;
    }

    public static Command CreateDecrypt()
    {
        var identities = new Option<string[]>("--identity", "-i") { Description = "Identity file (age-keygen format); repeatable.", Required = true };
        var output = new Option<string?>("--output", "-o") { Description = "Write the plaintext here (default: standard output). Removed again if decryption fails." };
        var input = new Argument<string?>("input") { Description = "Encrypted file, binary or armored (default or '-': standard input).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("decrypt", "Decrypt an age file with X25519 identities.");
        command.Options.Add(identities);
        command.Options.Add(output);
        command.Arguments.Add(input);
        command.SetAction(parseResult =>
        {
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            var loaded = new List<AgeIdentity>();
            try
            {
                foreach (string path in parseResult.GetValue(identities) ?? [])
                {
                    if (!CliFiles.TryLoadIdentities(path, stderr, "decrypt", out IReadOnlyList<AgeIdentity>? fromFile))
                    {
                        return ExitCodes.Unavailable;
                    }

                    loaded.AddRange(fromFile);
                }

                var options = new AgeDecryptionOptions { LeaveOpen = true, MaxDegreeOfParallelism = Environment.ProcessorCount };
                return Transform("decrypt", parseResult.GetValue(input), parseResult.GetValue(output), stderr, (source, destination) =>
                {
                    using AgeDecryptingStream decrypting = AgeDecryptingStream.Open(source, loaded, options);
                    decrypting.CopyTo(destination, CopyBufferSize);
                });
            }
            finally
            {
                foreach (AgeIdentity identity in loaded)
                {
                    identity.Dispose();
                }
            }
        });
        return command;
    }

    /// <summary>Opens input and output, runs the transform, maps failures to exit codes and removes a partial output file.</summary>
    private static int Transform(string command, string? inputPath, string? outputPath, TextWriter stderr, Action<Stream, Stream> transform)
    {
        Stream source;
        try
        {
            source = CliFiles.IsStandardStream(inputPath)
                ? Console.OpenStandardInput(CopyBufferSize)
                : new FileStream(inputPath!, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return CliErrors.Report(stderr, command, $"cannot read input '{inputPath}': {error.Message}", ExitCodes.Unavailable);
        }

        using (source)
        {
            Stream destination;
            bool toFile = !CliFiles.IsStandardStream(outputPath);
            try
            {
                destination = toFile
                    ? new FileStream(outputPath!, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1)
                    : Console.OpenStandardOutput(CopyBufferSize);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                return CliErrors.Report(stderr, command, $"cannot write output '{outputPath}': {error.Message}", ExitCodes.Unavailable);
            }

            int exitCode = ExitCodes.Success;
            using (destination)
            {
                try
                {
                    transform(source, destination);
                    destination.Flush();
                }
                catch (AgeException error)
                {
                    exitCode = CliErrors.Report(stderr, command, error.Message, error is AgeKeyFormatException ? ExitCodes.Usage : ExitCodes.Failed);
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                {
                    exitCode = CliErrors.Report(stderr, command, error.Message, ExitCodes.Unavailable);
                }
            }

            if (exitCode != ExitCodes.Success && toFile)
            {
                // Never leave a partial plaintext or a truncated ciphertext behind under the requested name.
                File.Delete(outputPath!);
            }

            return exitCode;
        }
    }
}
