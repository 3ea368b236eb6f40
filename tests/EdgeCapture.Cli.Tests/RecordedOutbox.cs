using System.CommandLine;
using EdgeCapture.Crypto;

namespace EdgeCapture.Cli.Tests;

/// <summary>A custodian's identity and a simulated box's outbox recorded for it by <c>edgecapture record --simulate --video</c>, for the export's tests.</summary>
internal static class RecordedOutbox
{
    /// <summary>Records <paramref name="seconds"/> of simulated input and video into <c>box</c> under <paramref name="work"/>.</summary>
    /// <returns>The outbox folder and the custodian's identity file.</returns>
    public static async Task<(string Box, string IdentityPath)> RecordAsync(string work, int seconds)
    {
        string identityPath = Path.Combine(work, "custodian.txt");
        string recipient;
        using (AgeIdentity identity = AgeIdentity.Generate())
        {
            identity.SaveFile(identityPath, DateTimeOffset.UtcNow);
            recipient = identity.Recipient.ToString();
        }

        string box = Path.Combine(work, "box");
        var output = new StringWriter();
        int recorded = await Program.RunAsync(
            ["record", "--simulate", "--video", "--data-dir", box, "--recipient", recipient, "--duration", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--segment-seconds", "1"],
            new InvocationConfiguration { Output = output, Error = output });
        Assert.True(recorded == 0, output.ToString());
        return (box, identityPath);
    }
}
