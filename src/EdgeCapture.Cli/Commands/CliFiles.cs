using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using EdgeCapture.Appliance;
using EdgeCapture.Crypto;

namespace EdgeCapture.Cli.Commands;

/// <summary>Error reporting for the crypto commands: one line on standard error, a meaningful exit code.</summary>
internal static class CliErrors
{
    public static int Report(TextWriter stderr, string command, string message, int exitCode)
    {
        stderr.WriteLine($"edgecapture {command}: error: {message}");
        return exitCode;
    }
}

/// <summary>Opening inputs, outputs and key files for the crypto commands ('-' or nothing means stdin/stdout).</summary>
internal static class CliFiles
{
    public static bool IsStandardStream(string? path) => string.IsNullOrEmpty(path) || path == "-";

    public static bool TryLoadIdentities(string path, TextWriter stderr, string command, [NotNullWhen(true)] out IReadOnlyList<AgeIdentity>? identities)
    {
        identities = null;
        byte[]? contents = null;
        try
        {
            if (path == "-")
            {
                using var buffer = new MemoryStream();
                Console.OpenStandardInput().CopyTo(buffer);
                contents = buffer.ToArray();
                CryptographicOperations.ZeroMemory(buffer.GetBuffer());
                identities = AgeIdentity.ParseFile(contents);
            }
            else
            {
                identities = AgeIdentity.LoadFile(path);
            }

            return true;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or AgeKeyFormatException or AgeUnsupportedIdentityException)
        {
            CliErrors.Report(stderr, command, $"cannot use identity file '{path}': {error.Message}", 0);
            return false;
        }
        finally
        {
            if (contents is not null)
            {
                CryptographicOperations.ZeroMemory(contents);
            }
        }
    }

    /// <summary>The <c>--config</c> option of the commands that run from appliance.json.</summary>
    public static Option<string> ConfigurationOption() =>
        new("--config", "-c") { Description = $"The appliance configuration (default {ApplianceConfiguration.InstalledPath}).", DefaultValueFactory = _ => ApplianceConfiguration.InstalledPath };

    /// <summary>Loads appliance.json, or says on <paramref name="stderr"/> why it is refused (the key named).</summary>
    public static bool TryLoadConfiguration(string path, TextWriter stderr, string command, [NotNullWhen(true)] out ApplianceConfiguration? configuration, IEnumerable<KeyValuePair<string, string>>? overrides = null)
    {
        try
        {
            // appliance.json, then EDGECAPTURE__key environment variables, then the command's --set key=value (later wins).
            configuration = ApplianceConfiguration.Load(path, [.. ApplianceConfiguration.EnvironmentOverrides(), .. overrides ?? []]);
            return true;
        }
        catch (ApplianceConfigurationException error)
        {
            stderr.WriteLine($"{command}: configuration refused: {error.Message}");
            configuration = null;
            return false;
        }
    }
}
