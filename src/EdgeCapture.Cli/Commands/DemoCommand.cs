using System.CommandLine;
using System.Globalization;
using EdgeCapture.Crypto;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture demo</c>: the whole appliance on simulated hardware, end to end, in a scratch directory. It plays both
/// sides that a real deployment keeps apart: the custodian (who alone holds the age identity) and the box (which records
/// to the custodian's recipient and cannot read what it sealed), and the on-prem collector in between: an in-process
/// collector with its embedded broker, to which the box's uploader sends every sealed segment exactly once, and from
/// whose store the custodian verifies and decrypts them. It runs the same <c>record</c>, <c>verify</c> and
/// <c>sessions list</c> commands an operator would, so what it shows is what the product does.
/// Layout of <c>--work-dir DIR</c>: <c>DIR/custodian/identity.txt</c>, <c>DIR/box</c> (device key, outbox),
/// <c>DIR/collector</c> (index, <c>segments/**.age</c>: each a file the stock <c>age</c> CLI opens with the identity).
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var seconds = new Option<double>("--seconds") { Description = "How long the simulated user works at the box.", DefaultValueFactory = _ => 20 };
        var workDirectory = new Option<string?>("--work-dir") { Description = "Keep everything here instead of a scratch directory that is deleted afterwards." };
        var seed = new Option<int>("--seed") { Description = "Seed of the simulated user.", DefaultValueFactory = _ => 1 };
        var command = new Command("demo", "Run the appliance on simulated hardware: scripted keyboard, mouse and screen, a privacy switch flipped mid-way, sealed segments verified and opened by the custodian.");
        command.Options.Add(seconds);
        command.Options.Add(workDirectory);
        command.Options.Add(seed);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            double length = parseResult.GetValue(seconds);
            if (length is < 4 or > 3600)
            {
                await parseResult.InvocationConfiguration.Error.WriteLineAsync("demo: --seconds must be between 4 and 3600.").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            string? keep = parseResult.GetValue(workDirectory);
            string root = keep is null ? Directory.CreateTempSubdirectory("edgecapture-demo-").FullName : Path.GetFullPath(keep);
            try
            {
                return await RunAsync(root, length, parseResult.GetValue(seed), parseResult.InvocationConfiguration, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (keep is null)
                {
                    Directory.Delete(root, recursive: true);
                }
            }
        });
        return command;
    }

    /// <summary>The demo box's device id (in its manifests, its topics and the collector's enrolment).</summary>
    internal const string DeviceId = "demo-box-1";

    private static async Task<int> RunAsync(string root, double length, int seed, InvocationConfiguration console, CancellationToken cancellationToken)
    {
        TextWriter output = console.Output;
        string custodianDirectory = Path.Combine(root, "custodian");
        string boxDirectory = Path.Combine(root, "box");
        Directory.CreateDirectory(custodianDirectory);
        string identityPath = Path.Combine(custodianDirectory, "identity.txt");

        // The custodian's side: only the recipient string ever reaches the box.
        string recipient;
        using (AgeIdentity identity = AgeIdentity.Generate())
        {
            identity.SaveFile(identityPath, DateTimeOffset.UtcNow);
            recipient = identity.Recipient.ToString();
        }

        string privateAt = (length * 0.4).ToString("0.#", CultureInfo.InvariantCulture);
        string publicAt = (length * 0.6).ToString("0.#", CultureInfo.InvariantCulture);
        await output.WriteLineAsync($"""
            EdgeCapture demo in {root}
              custodian: identity {identityPath} (stays with the custodian), recipient {recipient}
              box:       {boxDirectory} (device key, encrypted outbox)
              script:    a simulated user types, moves, clicks and scrolls for {length:0.#} s; the privacy switch goes
                         private at {privateAt} s and public again at {publicAt} s; the screen is captured too.

            == The box: relay, privacy gate and recorder ==
            """).ConfigureAwait(false);

        int recordExit = await Program.RunAsync(
            [
                "record", "--simulate", "--video", "--seed", seed.ToString(CultureInfo.InvariantCulture), "--device-id", DeviceId,
                "--data-dir", boxDirectory, "--recipient", recipient,
                "--duration", length.ToString(CultureInfo.InvariantCulture),
                "--private-at", privateAt, "--public-at", publicAt,
            ],
            console).ConfigureAwait(false);
        if (recordExit != 0 || cancellationToken.IsCancellationRequested)
        {
            return recordExit;
        }

        await output.WriteLineAsync(Environment.NewLine + "== What the box keeps on its disk ==").ConfigureAwait(false);
        foreach (FileInfo file in new DirectoryInfo(boxDirectory).EnumerateFiles("*", SearchOption.AllDirectories).OrderBy(file => file.Name, StringComparer.Ordinal))
        {
            await output.WriteLineAsync($"  {Path.GetRelativePath(boxDirectory, file.FullName),-24} {file.Length,12:N0} bytes").ConfigureAwait(false);
        }

        await output.WriteLineAsync(Environment.NewLine + "== The custodian: verify the chain, open the segments ==").ConfigureAwait(false);
        int verifyExit = await Program.RunAsync(["verify", "--data-dir", boxDirectory, "--identity", identityPath], console).ConfigureAwait(false);
        if (verifyExit != 0 || cancellationToken.IsCancellationRequested)
        {
            return verifyExit;
        }

        return await DemoCollector.UploadAndVerifyAsync(root, boxDirectory, DeviceId, identityPath, output, cancellationToken).ConfigureAwait(false);
    }
}
