namespace EdgeCapture.Video.Benchmarks;

internal static class Program
{
    private static int Main()
    {
        Console.Error.WriteLine("No benchmark written yet for Video.");
        return 1;
    }
}
