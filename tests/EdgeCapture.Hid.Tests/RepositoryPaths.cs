namespace EdgeCapture.Hid.Tests;

/// <summary>Finds files of the repository (firmware/, hardware/) from the test's output directory.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Firmware(params string[] parts) => Path.Combine([Root, "firmware", .. parts]);

    private static string FindRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgeCapture.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No EdgeCapture.sln above {AppContext.BaseDirectory}.");
    }
}
