namespace EdgeCapture.Linux;

/// <summary>What <c>statx</c> says about a path, without following a final symbolic link: its type, owner, group and mode bits.</summary>
/// <param name="Type">The <c>S_IFMT</c> bits (<see cref="RegularFile"/>, <see cref="Directory"/>, <see cref="SymbolicLink"/>, ...).</param>
/// <param name="OwnerId">The owning user id (<c>stx_uid</c>).</param>
/// <param name="GroupId">The owning group id (<c>stx_gid</c>).</param>
/// <param name="Mode">The permission bits, set-id and sticky bits (<c>stx_mode &amp; 07777</c>).</param>
public readonly record struct UnixFileStatus(int Type, uint OwnerId, uint GroupId, UnixFileMode Mode)
{
    /// <summary><c>S_IFREG</c>.</summary>
    public const int RegularFile = 0x8000;

    /// <summary><c>S_IFDIR</c>.</summary>
    public const int Directory = 0x4000;

    /// <summary><c>S_IFLNK</c>.</summary>
    public const int SymbolicLink = 0xA000;

    /// <summary>Reads the status of <paramref name="path"/> (a final symbolic link is described, not followed).</summary>
    /// <param name="path">The path.</param>
    /// <returns>The status.</returns>
    /// <exception cref="IOException">statx failed (the message names the path and the errno).</exception>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    public static UnixFileStatus Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("statx is Linux only");
        }

        return Interop.GetFileStatus(path, out UnixFileStatus status) is var error and not 0
            ? throw new IOException($"{path}: statx failed (errno {error})")
            : status;
    }
}
