namespace EdgeCapture.Recording.Benchmarks;

internal static class Program
{
    private static int Main()
    {
        Console.Error.WriteLine("No benchmark written yet for Recording.");
        return 1;
    }
}
