using System.CommandLine;
using EdgeCapture.Hid.Descriptors;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture hid</c>: inspect the gadget's HID report descriptors. <c>check</c> confirms that the descriptors
/// installed on a box describe exactly the reports this build writes; <c>describe</c> prints a descriptor's reports.
/// </summary>
internal static class HidCommands
{
    /// <summary>Where firmware/README.md installs the descriptors.</summary>
    public const string DefaultDescriptorDirectory = "/opt/edgecapture/firmware/hid";

    public static Command Create()
    {
        var hid = new Command("hid", "Inspect the USB HID gadget's report descriptors.");
        hid.Subcommands.Add(CreateCheck());
        hid.Subcommands.Add(CreateDescribe());
        return hid;
    }

    private static Command CreateCheck()
    {
        var directory = new Option<string>("--descriptors", "-d")
        {
            Description = $"Directory with keyboard.hid, mouse.hid, absolute-pointer.hid and consumer.hid (default {DefaultDescriptorDirectory}).",
            DefaultValueFactory = _ => DefaultDescriptorDirectory,
        };
        var command = new Command("check", "Check that the installed report descriptors match the reports this build writes (exit 0), or list the differences (exit 1).");
        command.Options.Add(directory);
        command.SetAction(parseResult =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            string path = parseResult.GetValue(directory) ?? DefaultDescriptorDirectory;
            IReadOnlyList<string> problems;
            try
            {
                problems = GadgetDescriptorCheck.CheckDirectory(path);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or HidDescriptorFormatException)
            {
                return CliErrors.Report(stderr, "hid check", error.Message, ExitCodes.Unavailable);
            }

            if (problems.Count == 0)
            {
                stdout.WriteLine($"{path}: keyboard, mouse and consumer control descriptors match this build's reports.");
                return 0;
            }

            foreach (string problem in problems)
            {
                stderr.WriteLine($"edgecapture hid check: {problem}");
            }

            return ExitCodes.Failed;
        });
        return command;
    }

    private static Command CreateDescribe()
    {
        var file = new Argument<string>("file") { Description = "A report descriptor: annotated hex text (.hid) or, with --binary, raw bytes (for example a report_desc file)." };
        var binary = new Option<bool>("--binary") { Description = "The file holds raw descriptor bytes rather than hex text." };
        var command = new Command("describe", "Print the reports a HID report descriptor declares, field by field.");
        command.Arguments.Add(file);
        command.Options.Add(binary);
        command.SetAction(parseResult =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            string path = parseResult.GetValue(file)!;
            HidReportDescriptor descriptor;
            try
            {
                byte[] bytes = parseResult.GetValue(binary) ? File.ReadAllBytes(path) : HidDescriptorText.ReadFile(path);
                descriptor = HidReportDescriptor.Parse(bytes);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or HidDescriptorFormatException)
            {
                return CliErrors.Report(stderr, "hid describe", error.Message, ExitCodes.Unavailable);
            }

            foreach (HidReport report in descriptor.Reports)
            {
                string id = report.ReportId == 0 ? "no report ID" : $"report ID {report.ReportId}";
                stdout.WriteLine($"{report.Kind} report, {id}, {report.WireLength} bytes ({report.BitLength} bits of data)");
                foreach (HidReportField field in report.Fields)
                {
                    stdout.WriteLine($"  {field}");
                }
            }

            return 0;
        });
        return command;
    }
}
