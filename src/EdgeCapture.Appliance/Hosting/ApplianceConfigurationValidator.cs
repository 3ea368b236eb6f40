using EdgeCapture.Crypto;
using Microsoft.Extensions.Options;

namespace EdgeCapture.Appliance.Hosting;

/// <summary>
/// The checks that need more than the configuration's text (which <see cref="ApplianceConfiguration"/>'s strict reader
/// has done): the recipients load (through the one loader) and there is one, there is input to read on devices, and
/// the video file exists. Each failure names its key.
/// </summary>
internal sealed class ApplianceConfigurationValidator : IValidateOptions<ApplianceOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ApplianceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<(string Key, string Message)> failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures.Select(failure => $"{failure.Key}: {failure.Message}"));
    }

    /// <summary>Validates <paramref name="options"/> and sets its recipients, or throws for the first failure.</summary>
    /// <exception cref="ApplianceConfigurationException">The first failure, with its key.</exception>
    public static void ThrowIfInvalid(ApplianceOptions options)
    {
        List<(string Key, string Message)> failures = Check(options);
        if (failures.Count > 0)
        {
            throw new ApplianceConfigurationException(failures[0].Key, failures[0].Message);
        }
    }

    /// <summary>The first failure of a failed validation at start, as the configuration error it is.</summary>
    public static ApplianceConfigurationException ToConfigurationException(OptionsValidationException exception)
    {
        string first = exception.Failures.FirstOrDefault() ?? exception.Message;
        int separator = first.IndexOf(": ", StringComparison.Ordinal);
        return separator > 0
            ? new ApplianceConfigurationException(first[..separator], first[(separator + 2)..])
            : new ApplianceConfigurationException(first);
    }

    private static List<(string Key, string Message)> Check(ApplianceOptions options)
    {
        var failures = new List<(string Key, string Message)>();
        if (options.Configuration is not { } configuration || options.Hardware is not { } hardware)
        {
            failures.Add(("configuration", "no configuration was given"));
            return failures;
        }

        try
        {
            options.Recipients = AgeRecipientLoader.Load(configuration.Recipients, configuration.RecipientsFile is { } file ? [file] : []);
            if (options.Recipients.Count == 0)
            {
                failures.Add(("recipients", "at least one age recipient (the custodian's age1...) is required"));
            }
        }
        catch (AgeRecipientSourceException exception)
        {
            failures.Add(("recipientsFile", exception.Message));
        }

        if (hardware.ReadsConfiguredInput && configuration.Keyboards.Count == 0 && configuration.Mice.Count == 0 && configuration.InputDirectory is null)
        {
            failures.Add(("inputDirectory", "nothing to read: give inputDirectory, keyboards or mice"));
        }

        if (configuration.VideoSource == VideoSourceKind.File && !File.Exists(configuration.VideoFile) && !Directory.Exists(configuration.VideoFile))
        {
            failures.Add(("videoFile", $"{configuration.VideoFile}: no such file or directory"));
        }

        return failures;
    }
}
