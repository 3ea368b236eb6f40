namespace EdgeCapture.Linux;

/// <summary>
/// The kernel's boot id: a random UUID drawn at every boot (<c>/proc/sys/kernel/random/boot_id</c>). Monotonic
/// nanoseconds restart at each boot, so an instant means something only together with the boot it was taken in.
/// </summary>
/// <param name="Value">The UUID.</param>
public readonly record struct BootId(Guid Value)
{
    /// <summary>Where the kernel publishes it.</summary>
    public const string KernelPath = "/proc/sys/kernel/random/boot_id";

    /// <summary>Parses the file's text: one UUID, optionally followed by a newline.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The boot id.</returns>
    /// <exception cref="FormatException">The text is not one UUID in the kernel's 8-4-4-4-12 form.</exception>
    public static BootId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.TrimEnd('\n');
        if (!Guid.TryParseExact(trimmed, "D", out Guid value))
        {
            throw new FormatException($"A boot id is one UUID like 3f2504e0-4f89-11d3-9a0c-0305e82c3301, not '{trimmed}'.");
        }

        return new BootId(value);
    }

    /// <summary>The kernel's lowercase 8-4-4-4-12 form.</summary>
    /// <returns>The UUID text.</returns>
    public override string ToString() => Value.ToString("D");
}

/// <summary>Where the current boot id comes from: the kernel on the box, a fixed value in tests and simulations.</summary>
public interface IBootIdSource
{
    /// <summary>The id of the boot this process runs in.</summary>
    /// <returns>The boot id.</returns>
    /// <exception cref="IOException">It cannot be read.</exception>
    BootId Current { get; }
}

/// <summary>Reads the boot id from procfs once (it cannot change while the process runs).</summary>
public sealed class KernelBootIdSource : IBootIdSource
{
    private readonly Lazy<BootId> _current;

    /// <summary>Reads <see cref="BootId.KernelPath"/>.</summary>
    public KernelBootIdSource()
        : this(BootId.KernelPath)
    {
    }

    /// <summary>Reads the boot id from <paramref name="path"/> (a test's temporary file, or a chroot's procfs).</summary>
    /// <param name="path">The file.</param>
    public KernelBootIdSource(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        _current = new Lazy<BootId>(() => Read(path), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The process-wide source over the kernel's file.</summary>
    public static KernelBootIdSource System { get; } = new();

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public BootId Current => _current.Value;

    private static BootId Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot read the boot id from {path}: {exception.Message}", exception);
        }

        try
        {
            return BootId.Parse(text);
        }
        catch (FormatException exception)
        {
            throw new IOException($"{path} does not hold a boot id: {exception.Message}", exception);
        }
    }
}

/// <summary>A boot id that is what the caller says: tests, simulated runs, and replays of another boot's data.</summary>
/// <param name="current">The boot id to report.</param>
public sealed class FixedBootIdSource(BootId current) : IBootIdSource
{
    /// <inheritdoc/>
    public BootId Current { get; } = current;
}
