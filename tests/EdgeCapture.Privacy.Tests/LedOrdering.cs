namespace EdgeCapture.Privacy.Tests;

/// <summary>Checks a rig log: the LED is lit whenever the gate opens and never written dark while it is open.</summary>
internal static class LedOrdering
{
    public static void AssertLitWheneverGateOpen(IReadOnlyList<string> log, int ledLine = PrivacyRig.LedLine)
    {
        string lit = $"write {ledLine} High";
        string dark = $"write {ledLine} Low";
        bool ledLit = false;
        bool gateOpen = false;
        for (int index = 0; index < log.Count; index++)
        {
            string entry = log[index];
            if (entry == lit)
            {
                ledLit = true;
            }
            else if (entry == dark)
            {
                Assert.False(gateOpen, $"entry {index}: LED written dark while the gate was open\n{string.Join('\n', log)}");
                ledLit = false;
            }
            else if (entry.StartsWith("gate Public", StringComparison.Ordinal))
            {
                Assert.True(ledLit, $"entry {index}: gate opened while the LED was dark\n{string.Join('\n', log)}");
                gateOpen = true;
            }
            else if (entry.StartsWith("gate Private", StringComparison.Ordinal))
            {
                gateOpen = false;
            }
        }
    }
}
