
namespace EdgeCapture.Input.Evdev;

/// <summary>Classifies an evdev node from its capability bits (EVIOCGBIT).</summary>
public static class EvdevClassifier
{
    // Keys that make a node a consumer-control node when it is neither a keyboard nor a mouse
    // (media keys on a keyboard's second interface, volume knobs). KEY_POWER and KEY_SLEEP are deliberately absent:
    // the box's own power button must never reach the host.
    private static readonly ushort[] ConsumerKeys =
    [
        KeyCodes.Mute, KeyCodes.VolumeDown, KeyCodes.VolumeUp, KeyCodes.NextSong, KeyCodes.PlayPause, KeyCodes.PreviousSong,
        166, /* KEY_STOPCD */ 140, /* KEY_CALC */ 150, /* KEY_WWW */ 155, /* KEY_MAIL */ 172, /* KEY_HOMEPAGE */
        KeyCodes.BrightnessDown, KeyCodes.BrightnessUp, 217, /* KEY_SEARCH */
    ];

    /// <summary>
    /// Reads the node's capabilities. Returns false when the node answers no ioctls (a FIFO or file: -ENOTTY; under qemu-user: -ENOSYS);
    /// otherwise <paramref name="kind"/> is the classification or null when the node is none of the three kinds.
    /// </summary>
    /// <param name="node">The node.</param>
    /// <param name="kind">Keyboard (has KEY_LEFTCTRL or KEY_LEFTSHIFT), mouse (BTN_LEFT and REL_X), consumer control (media keys only), or null.</param>
    /// <param name="hasHighResolutionWheel">True when the node reports REL_WHEEL_HI_RES or REL_HWHEEL_HI_RES.</param>
    /// <returns>True when the node supports the ioctls.</returns>
    public static bool TryClassify(IEvdevNode node, out InputDeviceKind? kind, out bool hasHighResolutionWheel)
    {
        ArgumentNullException.ThrowIfNull(node);
        kind = null;
        hasHighResolutionWheel = false;
        Span<byte> keyBits = stackalloc byte[KeyCodes.Count / 8];
        Span<byte> relativeBits = stackalloc byte[(RelativeAxes.Maximum + 8) / 8];
        keyBits.Clear();
        relativeBits.Clear();
        int keyResult = node.IoControl(EvdevIoctl.GetBits(EventTypes.Key, keyBits.Length), keyBits);
        // A FIFO or file says ENOTTY; under qemu-user (the arm64 check) an ioctl it does not translate says ENOSYS. Either
        // way the node is a stand-in, which is never relayed to a real USB gadget (EvdevReader.RequireDeviceNodes).
        if (keyResult == -Errno.ENOTTY || keyResult == -Errno.EINVAL || keyResult == -Errno.ENOSYS)
        {
            return false;
        }

        node.IoControl(EvdevIoctl.GetBits(EventTypes.Relative, relativeBits.Length), relativeBits);
        hasHighResolutionWheel = IsSet(relativeBits, RelativeAxes.WheelHighResolution) || IsSet(relativeBits, RelativeAxes.HorizontalWheelHighResolution);
        if (IsSet(keyBits, KeyCodes.LeftCtrl) || IsSet(keyBits, KeyCodes.LeftShift))
        {
            kind = InputDeviceKind.Keyboard;
        }
        else if (IsSet(keyBits, ButtonCodes.Left) && IsSet(relativeBits, RelativeAxes.X))
        {
            kind = InputDeviceKind.Mouse;
        }
        else
        {
            foreach (ushort consumerKey in ConsumerKeys)
            {
                if (IsSet(keyBits, consumerKey))
                {
                    kind = InputDeviceKind.ConsumerControl;
                    break;
                }
            }
        }

        return true;
    }

    private static bool IsSet(ReadOnlySpan<byte> bits, int bit) => bit / 8 < bits.Length && (bits[bit / 8] & (1 << (bit % 8))) != 0;
}
