namespace EdgeCapture.Crypto.Benchmarks;

internal static class Program
{
    private static int Main()
    {
        Console.Error.WriteLine("No benchmark written yet for Crypto.");
        return 1;
    }
}
