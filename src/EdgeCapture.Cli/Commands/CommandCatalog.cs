using System.CommandLine;

namespace EdgeCapture.Cli.Commands;

/// <summary>Every top-level command, in the order <c>--help</c> lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return DemoCommand.Create();
        yield return VersionCommand.Create();
        yield return RelayCommand.Create();
        yield return KeyCommands.Create();
        yield return EncryptionCommands.CreateEncrypt();
        yield return EncryptionCommands.CreateDecrypt();
        yield return HidCommands.Create();
        yield return PrivacyCommand.Create();
        yield return RunCommand.Create();
        yield return UploadCommand.Create();
        yield return RecordCommand.CreateRecord();
        yield return RecordCommand.CreateVerify();
        yield return CaptureCommand.Create();
        yield return CollectorCommand.Create();
        yield return SessionsCommand.Create();
        yield return DatasetCommand.Create();
        yield return FleetCliCommands.Create();
    }
}
