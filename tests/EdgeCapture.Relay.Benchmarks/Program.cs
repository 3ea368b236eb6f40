namespace EdgeCapture.Relay.Benchmarks;

internal static class Program
{
    private static int Main()
    {
        Console.Error.WriteLine("No benchmark written yet for Relay.");
        return 1;
    }
}
