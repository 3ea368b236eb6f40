namespace EdgeCapture.Storage.Tests;

/// <summary>Entry point of this assembly; `crash-child` mode is the process the crash test kills. Other runs do nothing.</summary>
public static class CrashChildProgram
{
    public static int Main(string[] args)
    {
        _ = args;
        return 0;
    }
}
