namespace EdgeCapture.Collector.Tests;

/// <summary>
/// The real peers these tests need (mosquitto, age). A missing tool fails the test, unless
/// EDGECAPTURE_ALLOW_MISSING_TOOLS=1 says this machine may lack it (then the test returns after saying so).
/// </summary>
internal static class ExternalTool
{
    public static string? Require(string name)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin") .Split(':').Append("/usr/sbin"))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        string message = $"'{name}' is not installed; this test needs it (Debian package, installed by .ci/run).";
        if (Environment.GetEnvironmentVariable("EDGECAPTURE_ALLOW_MISSING_TOOLS") != "1")
        {
            Assert.Fail(message + " Set EDGECAPTURE_ALLOW_MISSING_TOOLS=1 to let it pass on a machine without it.");
        }

        Console.Error.WriteLine(message + " EDGECAPTURE_ALLOW_MISSING_TOOLS=1: returning without checking.");
        return null;
    }
}
