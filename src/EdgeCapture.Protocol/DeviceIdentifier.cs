namespace EdgeCapture.Protocol;

/// <summary>
/// Device identifiers as they appear in topics and messages: 1 to <see cref="ProtocolLimits.MaximumDeviceIdLength"/>
/// printable ASCII characters, without space, <c>/</c>, <c>+</c> or <c>#</c> (so one id is exactly one topic level and
/// can never widen a subscription or an ACL pattern).
/// </summary>
public static class DeviceIdentifier
{
    /// <summary>Whether <paramref name="deviceId"/> may be used as a device identifier.</summary>
    /// <param name="deviceId">The candidate.</param>
    /// <returns>True when valid.</returns>
    public static bool IsValid(string? deviceId)
    {
        if (string.IsNullOrEmpty(deviceId) || deviceId.Length > ProtocolLimits.MaximumDeviceIdLength || deviceId[0] == '$')
        {
            return false;
        }

        foreach (char character in deviceId)
        {
            if (character <= ' ' || character > '~' || character is '/' or '+' or '#')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws unless <paramref name="deviceId"/> is valid.</summary>
    /// <param name="deviceId">The candidate.</param>
    /// <returns>The identifier.</returns>
    /// <exception cref="ProtocolFormatException">It is not a valid device identifier.</exception>
    public static string Validate(string? deviceId) =>
        IsValid(deviceId)
            ? deviceId!
            : throw new ProtocolFormatException(
                $"A device id must be 1 to {ProtocolLimits.MaximumDeviceIdLength} printable ASCII characters without space, '/', '+' or '#', not starting with '$'.");
}
