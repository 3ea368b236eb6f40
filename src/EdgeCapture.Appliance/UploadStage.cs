using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using EdgeCapture.Storage;
using EdgeCapture.Transport;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Appliance;

/// <summary>
/// The upload side of the appliance: the box's one MQTT connection (which the fleet agent can share) and the uploader,
/// each on its own task. Starting never waits for the broker and nothing in the relay or the recorder waits on it
/// ("The relay never waits"); an unreachable broker only means segments wait in the outbox.
/// </summary>
public sealed partial class UploadStage : IAsyncDisposable
{
    /// <summary>The bdSeq file in the data directory.</summary>
    public const string PresenceSequenceFileName = "presence.bdseq";

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _connectionTask;
    private readonly Task _uploaderTask;
    private readonly ILogger _logger;

    private readonly ObservedPresenceSequence _sequence;

    private UploadStage(BoxMqttConnection connection, SegmentUploader uploader, ObservedPresenceSequence sequence, ILogger logger, Func<Func<CancellationToken, Task>, CancellationToken, Task>? supervise)
    {
        Connection = connection;
        _sequence = sequence;
        Uploader = uploader;
        _logger = logger;
        _connectionTask = Task.Run(() => connection.RunAsync(_stop.Token), CancellationToken.None);
        // Supervised: an uploader that faults (its outbox queue throws) is restarted with backoff; the connection stays.
        _uploaderTask = supervise is null
            ? Task.Run(() => uploader.RunAsync(_stop.Token), CancellationToken.None)
            : Task.Run(() => supervise(uploader.RunAsync, _stop.Token), CancellationToken.None);
    }

    /// <summary>The box's MQTT connection (for the fleet agent: subscribe and publish through it).</summary>
    public BoxMqttConnection Connection { get; }

    /// <summary>The uploader (its statistics for status reports).</summary>
    public SegmentUploader Uploader { get; }

    /// <summary>The <c>bdSeq</c> of the latest connect attempt (its birth and Will), 0 before the first.</summary>
    public long PresenceSequence => _sequence.Last;

    /// <summary>Builds and starts the connection and the uploader.</summary>
    /// <param name="upload">The upload section.</param>
    /// <param name="deviceId">The device id (a valid topic level; checked with the configuration).</param>
    /// <param name="dataDirectory">Where the bdSeq file lives.</param>
    /// <param name="backlog">The outbox's upload queue.</param>
    /// <param name="deviceKey">Signs presence (the caller keeps it alive until the stage is stopped).</param>
    /// <param name="time">The clock.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="birthDetails">The fleet's birth details for each birth (called on the connection's loop right after <see cref="PresenceSequence"/> advanced), or null for none.</param>
    /// <param name="supervise">Runs the uploader's loop and restarts it when it faults (the appliance's part supervisor), or null to run it once.</param>
    /// <returns>The running stage.</returns>
    /// <exception cref="ApplianceConfigurationException">The password file cannot be read or is readable by others.</exception>
    public static UploadStage Start(UploadConfiguration upload, string deviceId, string dataDirectory, IUploadBacklog backlog, DeviceSigningKey deviceKey, TimeProvider time, ILoggerFactory loggerFactory, Func<ReadOnlyMemory<byte>>? birthDetails = null, Func<Func<CancellationToken, Task>, CancellationToken, Task>? supervise = null)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var sequence = new ObservedPresenceSequence(new PresenceSequenceFile(Path.Combine(dataDirectory, PresenceSequenceFileName)));
        var connection = new BoxMqttConnection(new MqttConnectionOptions
        {
            BrokerUri = upload.BrokerUri,
            DeviceId = deviceId,
            UserName = upload.UserName,
            Password = upload.PasswordFile is null ? null : ReadPassword(upload.PasswordFile),
            Tls = upload.CaCertificateFile is null ? null : new TlsFiles(upload.CaCertificateFile, upload.ClientCertificateFile, upload.ClientKeyFile),
            Presence = new PresenceOptions
            {
                DeviceKey = new SigningKeyMessageSigner(deviceKey),
                Sequence = sequence,
                BirthDetails = birthDetails,
            },
        }, time, loggerFactory.CreateLogger<BoxMqttConnection>());
        var uploader = new SegmentUploader(backlog, connection, new UploaderOptions
        {
            CollectorKey = upload.CollectorKey,
            MaximumPartSize = upload.PartSizeBytes,
            RateLimitBytesPerSecond = upload.RateLimitBytesPerSecond,
            AnswerTimeout = TimeSpan.FromSeconds(upload.AnswerTimeoutSeconds),
        }, time, loggerFactory.CreateLogger<SegmentUploader>());
        return new UploadStage(connection, uploader, sequence, loggerFactory.CreateLogger<UploadStage>(), supervise);
    }

    /// <summary>Stops the uploader, publishes the death and disconnects. Whatever was in flight stays in the outbox.</summary>
    /// <returns>A task that ends when both loops ended.</returns>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (Task task in new[] { _uploaderTask, _connectionTask })
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // Logged, never thrown at the appliance's stop: the relay and the recorder are already down safely.
                LogStageFailed(_logger, exception);
            }
        }

        await Connection.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private static string ReadPassword(string path)
    {
        try
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                throw new ApplianceConfigurationException("upload.passwordFile", $"{path} is accessible by group or others; it must be mode 0600");
            }

            using var reader = new StreamReader(path);
            return reader.ReadLine() ?? string.Empty;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ApplianceConfigurationException("upload.passwordFile", $"{path}: {exception.Message}");
        }
    }

    /// <summary>The durable sequence, remembering the number it gave last (the fleet's birth carries the same one).</summary>
    private sealed class ObservedPresenceSequence(IPresenceSequence inner) : IPresenceSequence
    {
        private long _last;

        public long Last => Interlocked.Read(ref _last);

        public long Advance()
        {
            long next = inner.Advance();
            Interlocked.Exchange(ref _last, next);
            return next;
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Error, Message = "Upload stage ended with an error")]
    private static partial void LogStageFailed(ILogger logger, Exception exception);
}
