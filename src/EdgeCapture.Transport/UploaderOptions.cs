using EdgeCapture.Crypto;
using EdgeCapture.Protocol;

namespace EdgeCapture.Transport;

/// <summary>How the box uploads its outbox.</summary>
public sealed class UploaderOptions
{
    /// <summary>The collector's Ed25519 public key (<c>ed25519:...</c>), provisioned on the box: only answers it signed count.</summary>
    public required DevicePublicKey CollectorKey { get; init; }

    /// <summary>Largest ciphertext slice per part (default 256 KiB); the broker's CONNACK Maximum Packet Size can make parts smaller.</summary>
    public int MaximumPartSize { get; init; } = ProtocolLimits.DefaultPartSize;

    /// <summary>Upload rate limit in bytes per second over parts, commits and retractions; null for none.</summary>
    public long? RateLimitBytesPerSecond { get; init; }

    /// <summary>Token bucket size of the rate limit; null for one part.</summary>
    public long? RateLimitBurstBytes { get; init; }

    /// <summary>How long to wait for the collector's answer to a commit or retraction before trying again later. Default 30 s.</summary>
    public TimeSpan AnswerTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a segment or retraction whose attempt failed waits before the next attempt. Default 10 s.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the outbox is looked at when there was nothing to send. Default 1 s.</summary>
    public TimeSpan IdlePollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Commit rounds (each after resending what the collector called missing) before an attempt is abandoned. Default 8.</summary>
    public int MaximumCommitRounds { get; init; } = 8;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(CollectorKey);
        if (MaximumPartSize is < ProtocolLimits.MinimumPartSize or > ProtocolLimits.MaximumPartSize)
        {
            throw new ArgumentException($"The part size must be {ProtocolLimits.MinimumPartSize} to {ProtocolLimits.MaximumPartSize} bytes.", nameof(MaximumPartSize));
        }

        if (RateLimitBytesPerSecond is <= 0 || RateLimitBurstBytes is <= 0)
        {
            throw new ArgumentException("The rate limit and its burst must be positive.", nameof(RateLimitBytesPerSecond));
        }

        if (AnswerTimeout <= TimeSpan.Zero || RetryDelay < TimeSpan.Zero || IdlePollInterval <= TimeSpan.Zero || MaximumCommitRounds < 1)
        {
            throw new ArgumentException("Timeouts and intervals must be positive and at least one commit round allowed.");
        }
    }
}
