namespace EdgeCapture.Video.Encoding;

/// <summary>libjpeg-turbo refused to encode or decode an image.</summary>
public sealed class JpegCodecException : Exception
{
    /// <summary>Creates the exception.</summary>
    public JpegCodecException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public JpegCodecException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public JpegCodecException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
