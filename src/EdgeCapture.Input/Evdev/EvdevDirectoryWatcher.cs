using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Input.Evdev;

/// <summary>
/// Hot-plug: watches a directory (/dev/input on the box, a temporary directory of FIFOs in tests) for
/// <c>event*</c> nodes and adds each new one to the reader. inotify (through <see cref="FileSystemWatcher"/>) gives the
/// prompt path; a periodic rescan on the <see cref="TimeProvider"/> catches what inotify missed (queue overflow,
/// a node whose permissions udev had not set yet). Unplug is seen by the reader itself (ENODEV or end of file).
/// </summary>
public sealed class EvdevDirectoryWatcher : IDisposable
{
    private readonly string _directory;
    private readonly EvdevReader _reader;
    private readonly Func<string, EvdevDeviceOptions?> _optionsForPath;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _rescanInterval;
    private readonly HashSet<string> _notRelayed = new(StringComparer.Ordinal);
    private readonly Lock _scanLock = new();
    private FileSystemWatcher? _watcher;
    private ITimer? _rescanTimer;

    /// <summary>Creates a watcher.</summary>
    /// <param name="directory">Directory holding <c>event*</c> nodes.</param>
    /// <param name="reader">Reader the nodes are added to.</param>
    /// <param name="optionsForPath">Options for a new node, or null to leave it alone; default: classify by EVIOCGBIT.</param>
    /// <param name="timeProvider">Clock for the rescan.</param>
    /// <param name="rescanInterval">Rescan period; default 2 s.</param>
    /// <param name="logger">Logger.</param>
    public EvdevDirectoryWatcher(string directory, EvdevReader reader, Func<string, EvdevDeviceOptions?>? optionsForPath, TimeProvider timeProvider, TimeSpan? rescanInterval = null, ILogger<EvdevDirectoryWatcher>? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _directory = directory;
        _reader = reader;
        _optionsForPath = optionsForPath ?? (static path => new EvdevDeviceOptions(path));
        _timeProvider = timeProvider;
        _rescanInterval = rescanInterval ?? TimeSpan.FromSeconds(2);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Adds every node present now and starts watching.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public void Start()
    {
        if (!Directory.Exists(_directory))
        {
            throw new DirectoryNotFoundException($"Input directory {_directory} does not exist.");
        }

        _watcher = new FileSystemWatcher(_directory, "event*") { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName };
        _watcher.Created += (_, _) => Rescan();
        _watcher.Renamed += (_, _) => Rescan();
        _watcher.Deleted += (_, arguments) => Forget(arguments.FullPath);
        _watcher.EnableRaisingEvents = true;
        Rescan();
        _rescanTimer = _timeProvider.CreateTimer(static state => ((EvdevDirectoryWatcher)state!).Rescan(), this, _rescanInterval, _rescanInterval);
    }

    /// <summary>Opens every <c>event*</c> node not yet open or known not to be relayed.</summary>
    public void Rescan()
    {
        lock (_scanLock)
        {
            string[] paths;
            try
            {
                paths = Directory.GetFiles(_directory, "event*");
            }
            catch (IOException exception)
            {
                EvdevLog.OpenFailed(_logger, _directory, exception.Message);
                return;
            }

            Array.Sort(paths, StringComparer.Ordinal);
            foreach (string path in paths)
            {
                if (_notRelayed.Contains(path) || _reader.IsOpen(path))
                {
                    continue;
                }

                EvdevDeviceOptions? options = _optionsForPath(path);
                if (options is null)
                {
                    _notRelayed.Add(path);
                    continue;
                }

                try
                {
                    if (_reader.AddDevice(options) is null && !_reader.IsOpen(path))
                    {
                        _notRelayed.Add(path);
                    }
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    // Often udev has not set the permissions yet: the next rescan tries again.
                    EvdevLog.OpenFailed(_logger, path, exception.Message);
                }
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _watcher?.Dispose();
        _rescanTimer?.Dispose();
    }

    private void Forget(string path)
    {
        lock (_scanLock)
        {
            _notRelayed.Remove(path);
        }
    }
}
