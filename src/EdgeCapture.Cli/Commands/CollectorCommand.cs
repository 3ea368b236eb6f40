using System.CommandLine;

namespace EdgeCapture.Cli.Commands;

/// <summary><c>edgecapture collector</c>: the on-prem side (run, enroll, status, verify); each subcommand lives in its own file.</summary>
internal static class CollectorCommand
{
    /// <summary>Default store directory of an installed collector.</summary>
    public const string DefaultStore = "/var/lib/edgecapture-collector";

    public static Command Create()
    {
        var collector = new Command("collector", "The on-prem collector: MQTT broker (embedded or external), ingest into the content-addressed store, enrolment, status.");
        collector.Subcommands.Add(CollectorRunCommand.Create());
        collector.Subcommands.Add(CollectorEnrollCommand.Create());
        collector.Subcommands.Add(CollectorStatusCommand.Create());
        collector.Subcommands.Add(CollectorVerifyCommand.Create());
        return collector;
    }

    /// <summary>The <c>--store</c> option every collector command shares.</summary>
    public static Option<string> StoreOption() => new("--store") { Description = $"The collector's store directory (default {DefaultStore}).", DefaultValueFactory = _ => DefaultStore };
}
