namespace EdgeCapture.Hid.Descriptors;

/// <summary>A HID report descriptor (or its annotated hex text) is malformed; says where and why.</summary>
public sealed class HidDescriptorFormatException : FormatException
{
    /// <summary>Creates the exception with no position.</summary>
    public HidDescriptorFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public HidDescriptorFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The underlying error.</param>
    public HidDescriptorFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a byte offset in a binary descriptor.</summary>
    /// <param name="offset">Offset of the item at fault.</param>
    /// <param name="reason">What is wrong.</param>
    public HidDescriptorFormatException(int offset, string reason)
        : base($"HID report descriptor, byte {offset}: {reason}")
    {
        Offset = offset;
    }

    /// <summary>Byte offset of the faulty item in the binary descriptor, or -1 when not known.</summary>
    public int Offset { get; } = -1;
}
