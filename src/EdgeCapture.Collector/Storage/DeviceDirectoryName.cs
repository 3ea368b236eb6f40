using System.Text;
using EdgeCapture.Protocol;

namespace EdgeCapture.Collector.Storage;

/// <summary>
/// A device id as one safe directory name. Protocol device ids may hold any printable ASCII but <c>/ + #</c>, so
/// <c>..</c> or <c>.hidden</c> are valid ids; those (and anything beyond letters, digits, <c>_ - .</c>) are written as
/// <c>~</c> followed by the hex of the id. A plain name never starts with <c>~</c>, so the two forms cannot collide.
/// </summary>
public static class DeviceDirectoryName
{
    /// <summary>The directory name for a device id.</summary>
    /// <param name="deviceId">A valid device id.</param>
    /// <returns>The name.</returns>
    /// <exception cref="ProtocolFormatException">The id is not a valid device id.</exception>
    public static string For(string deviceId)
    {
        DeviceIdentifier.Validate(deviceId);
        bool plain = deviceId[0] != '.' && deviceId.All(character => char.IsAsciiLetterOrDigit(character) || character is '_' or '-' or '.');
        return plain ? deviceId : "~" + Convert.ToHexStringLower(Encoding.ASCII.GetBytes(deviceId));
    }

    /// <summary>The device id a directory name stands for.</summary>
    /// <param name="name">The directory name.</param>
    /// <param name="deviceId">The device id.</param>
    /// <returns>False when the name is not one <see cref="For"/> makes.</returns>
    public static bool TryParse(string name, out string deviceId)
    {
        deviceId = string.Empty;
        string candidate;
        if (name.StartsWith('~'))
        {
            try
            {
                candidate = Encoding.ASCII.GetString(Convert.FromHexString(name.AsSpan(1)));
            }
            catch (FormatException)
            {
                return false;
            }
        }
        else
        {
            candidate = name;
        }

        if (!DeviceIdentifier.IsValid(candidate) || For(candidate) != name)
        {
            return false;
        }

        deviceId = candidate;
        return true;
    }
}
