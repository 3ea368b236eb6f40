namespace EdgeCapture.Protocol;

/// <summary>
/// Hard bounds every decoder enforces before it allocates, so a hostile or broken peer cannot make a receiver
/// hold more than these sizes for one message.
/// </summary>
public static class ProtocolLimits
{
    /// <summary>Longest device identifier (ASCII characters).</summary>
    public const int MaximumDeviceIdLength = 128;

    /// <summary>The default largest ciphertext slice in one part message (256 KiB).</summary>
    public const int DefaultPartSize = 256 * 1024;

    /// <summary>Smallest part size a box may use (a broker announcing less than this cannot carry uploads).</summary>
    public const int MinimumPartSize = 256;

    /// <summary>Largest part size a receiver accepts (16 MiB).</summary>
    public const int MaximumPartSize = 16 * 1024 * 1024;

    /// <summary>Most parts one segment may be split into.</summary>
    public const int MaximumPartCount = 1 << 20;

    /// <summary>Largest signed manifest carried by a commit (the recorder's own bound).</summary>
    public const int MaximumManifestLength = 64 * 1024;

    /// <summary>Most part indexes one <c>missing</c> answer lists; a collector lists the first ones and the box commits again after resending them.</summary>
    public const int MaximumMissingParts = 4096;

    /// <summary>Longest reason text in a <c>rejected</c> answer (characters).</summary>
    public const int MaximumReasonLength = 1024;

    /// <summary>Longest MQTT 5 Correlation Data accepted and echoed.</summary>
    public const int MaximumCorrelationDataLength = 64;

    /// <summary>Largest opaque birth details carried by a presence message (the fleet layer's document).</summary>
    public const int MaximumBirthDetailsLength = 64 * 1024;

    /// <summary>Largest device-signed retraction document.</summary>
    public const int MaximumRetractionDocumentLength = 1024 * 1024;

    /// <summary>Most segments one retraction document may name.</summary>
    public const int MaximumRetractedSegments = 32 * 1024;

    /// <summary>Largest encoded collector answer.</summary>
    public const int MaximumAnswerLength = 32 * 1024;

    /// <summary>Largest encoded commit.</summary>
    public const int MaximumCommitLength = MaximumManifestLength + 1024;

    /// <summary>Largest encoded part message.</summary>
    public const int MaximumPartMessageLength = MaximumPartSize + 1024;

    /// <summary>Largest encoded presence message.</summary>
    public const int MaximumPresenceLength = MaximumBirthDetailsLength + 1024;
}
