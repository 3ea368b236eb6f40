using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace EdgeCapture.Input.Evdev;

/// <summary>
/// Encodes and decodes <c>struct input_event</c> for the running process architecture:
/// <c>{ timeval time; __u16 type; __u16 code; __s32 value; }</c> where the timeval fields are
/// <c>__kernel_ulong_t</c>, so 24 bytes on 64-bit userland and 16 bytes on 32-bit (Pi OS armhf).
/// </summary>
public static class InputEventCodec
{
    /// <summary>Size of one <c>struct input_event</c> in this process.</summary>
    public static readonly int EventSize = VerifiedInputEventSize();

    private static readonly int TimeFieldSize = Environment.Is64BitProcess ? 8 : 4;

    private static int VerifiedInputEventSize()
    {
        KernelStructSizes.Verify();
        return KernelStructSizes.InputEvent;
    }

    /// <summary>Writes one event at the start of <paramref name="destination"/> (at least <see cref="EventSize"/> bytes).</summary>
    /// <param name="inputEvent">The event.</param>
    /// <param name="destination">Where to write.</param>
    public static void Encode(in EvdevEvent inputEvent, Span<byte> destination)
    {
        if (destination.Length < EventSize)
        {
            throw new ArgumentException($"An input_event needs {EventSize} bytes.", nameof(destination));
        }

        long nanoseconds = Math.Max(0, inputEvent.TimestampNanoseconds);
        long seconds = nanoseconds / 1_000_000_000;
        long microseconds = nanoseconds % 1_000_000_000 / 1_000;
        if (TimeFieldSize == 8)
        {
            BinaryPrimitives.WriteInt64LittleEndian(destination, seconds);
            BinaryPrimitives.WriteInt64LittleEndian(destination[8..], microseconds);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination, unchecked((uint)seconds));
            BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)microseconds);
        }

        int offset = 2 * TimeFieldSize;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[offset..], inputEvent.Type);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[(offset + 2)..], inputEvent.Code);
        BinaryPrimitives.WriteInt32LittleEndian(destination[(offset + 4)..], inputEvent.Value);
    }

    /// <summary>
    /// Decodes one event from the first <see cref="EventSize"/> bytes. Returns false for a malformed timeval
    /// (microseconds outside 0..999999), which only random or corrupted bytes produce.
    /// </summary>
    /// <param name="source">At least <see cref="EventSize"/> bytes.</param>
    /// <param name="inputEvent">The decoded event.</param>
    /// <returns>True when the bytes form a plausible event.</returns>
    public static bool TryDecode(ReadOnlySpan<byte> source, out EvdevEvent inputEvent)
    {
        if (source.Length < EventSize)
        {
            inputEvent = default;
            return false;
        }

        long seconds;
        long microseconds;
        if (TimeFieldSize == 8)
        {
            seconds = BinaryPrimitives.ReadInt64LittleEndian(source);
            microseconds = BinaryPrimitives.ReadInt64LittleEndian(source[8..]);
        }
        else
        {
            seconds = BinaryPrimitives.ReadUInt32LittleEndian(source);
            microseconds = BinaryPrimitives.ReadUInt32LittleEndian(source[4..]);
        }

        int offset = 2 * TimeFieldSize;
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(source[offset..]);
        ushort code = BinaryPrimitives.ReadUInt16LittleEndian(source[(offset + 2)..]);
        int value = BinaryPrimitives.ReadInt32LittleEndian(source[(offset + 4)..]);
        if (microseconds is < 0 or >= 1_000_000 || seconds < 0 || seconds > long.MaxValue / 1_000_000_000 - 1)
        {
            inputEvent = default;
            return false;
        }

        inputEvent = new EvdevEvent(seconds * 1_000_000_000 + microseconds * 1_000, type, code, value);
        return true;
    }

    /// <summary>Encodes a sequence of events into one byte array (for simulators and tests; allocates).</summary>
    /// <param name="events">The events in order.</param>
    /// <returns>The concatenated <c>input_event</c> structs.</returns>
    public static byte[] EncodeAll(IReadOnlyList<EvdevEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        byte[] bytes = new byte[events.Count * EventSize];
        for (int index = 0; index < events.Count; index++)
        {
            Encode(events[index], bytes.AsSpan(index * EventSize));
        }

        return bytes;
    }
}
