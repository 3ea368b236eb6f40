namespace EdgeCapture.Video.Tests.Firmware;

internal static class RepositoryPaths
{
    public static string Root
    {
        get
        {
            string? directory = AppContext.BaseDirectory;
            while (directory is not null && !File.Exists(Path.Combine(directory, "EdgeCapture.sln")))
            {
                directory = Path.GetDirectoryName(directory);
            }

            return directory ?? throw new InvalidOperationException("Repository root (EdgeCapture.sln) not found above the test binaries.");
        }
    }

    public static string Firmware(params string[] parts) => Path.Combine([Root, "firmware", .. parts]);
}
