using System.Globalization;

namespace EdgeCapture.Privacy.Pinout;

/// <summary>
/// The rule that only root can change the pinout: the file says where the privacy switch and the recording indicator are
/// wired, so whoever can rewrite it (or replace it through its folder) could point the box at a line that always reads
/// public ("The switch wins", "Governed control"; see src/INVARIANTS.md). The file must be a regular file (not a symbolic
/// link) and its folder a directory, both owned by root and neither writable by their group or by others. The service
/// runs as its own user (firmware/systemd/edgecapture.service), so a root-owned 0644 file in a root-owned 0755 folder is
/// one it cannot write; the installer sets exactly that (firmware/install/edgecapture-install.sh).
/// </summary>
/// <remarks>POSIX ACLs and file capabilities are not examined: the installer sets none, and mode bits and ownership are what it sets.</remarks>
public static class PinoutFilePermissions
{
    /// <summary>The only owner accepted for the pinout and its folder.</summary>
    public const uint RootUserId = 0;

    private const UnixFileMode GroupOrOtherWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    /// <summary>Refuses a pinout that someone other than root could change: the file or its folder (see the class remarks).</summary>
    /// <param name="path">The pinout file.</param>
    /// <exception cref="PinoutException">The file or its folder is missing, of the wrong type, not root-owned or writable by its group or others; the message names the path.</exception>
    public static void Check(string path) => Check(path, UnixFileStatus.Read);

    /// <summary>As <see cref="Check(string)"/>, with the status reader given (tests describe files they cannot create as root).</summary>
    /// <param name="path">The pinout file.</param>
    /// <param name="readStatus">Reads a path's status without following a final symbolic link; throws <see cref="IOException"/> when it cannot.</param>
    /// <exception cref="PinoutException">See <see cref="Check(string)"/>.</exception>
    public static void Check(string path, Func<string, UnixFileStatus> readStatus)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(readStatus);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? full;
        CheckOne(path, full, readStatus, directory: false);
        CheckOne(path, folder, readStatus, directory: true);
    }

    /// <summary>As <see cref="Check(string, Func{string, UnixFileStatus})"/> for the pinout's folder only (the file does not exist yet: whoever can write the folder can create it).</summary>
    /// <param name="path">The pinout file.</param>
    /// <param name="readStatus">Reads a path's status without following a final symbolic link.</param>
    /// <exception cref="PinoutException">The folder is not a root-owned directory, or is writable by its group or others.</exception>
    public static void CheckFolder(string path, Func<string, UnixFileStatus> readStatus)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(readStatus);
        string full = Path.GetFullPath(path);
        CheckOne(path, Path.GetDirectoryName(full) ?? full, readStatus, directory: true);
    }

    /// <summary>What is wrong with one path's status, or null when only root can change it.</summary>
    /// <param name="path">The path (named in the problem).</param>
    /// <param name="status">Its status.</param>
    /// <param name="directory">Whether it must be a directory (the pinout's folder) rather than a regular file.</param>
    /// <returns>The problem in words, or null.</returns>
    public static string? Problem(string path, UnixFileStatus status, bool directory)
    {
        ArgumentNullException.ThrowIfNull(path);
        string what = directory ? "the pinout's folder" : "the pinout file";
        int expectedType = directory ? UnixFileStatus.Directory : UnixFileStatus.RegularFile;
        if (status.Type != expectedType)
        {
            string found = status.Type == UnixFileStatus.SymbolicLink ? "a symbolic link" : string.Create(CultureInfo.InvariantCulture, $"file type 0{Convert.ToString(status.Type >> 12, 8)}");
            return $"{what} {path} is {found}, not {(directory ? "a directory" : "a regular file")}";
        }

        if ((status.Mode & GroupOrOtherWrite) != 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{what} {path} is writable by its group or by others (mode {Octal(status.Mode)}); only root may be able to change it ({(directory ? "0755" : "0644")} root:root)");
        }

        if (status.OwnerId != RootUserId)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{what} {path} is owned by uid {status.OwnerId}, not root; its owner (the service user, if it is) could rewrite it");
        }

        return null;
    }

    private static void CheckOne(string pinoutPath, string path, Func<string, UnixFileStatus> readStatus, bool directory)
    {
        UnixFileStatus status;
        try
        {
            status = readStatus(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            throw new PinoutException(pinoutPath, "$", $"cannot check who can write {path}: {exception.Message}", exception);
        }

        if (Problem(path, status, directory) is { } problem)
        {
            throw new PinoutException(pinoutPath, "$", problem);
        }
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode, 8).PadLeft(3, '0');
}
