using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Input.Evdev;

/// <content>
/// One event at a time: decoding, autorepeat, SYN_REPORT frames, and the resynchronisation after SYN_DROPPED (key
/// events read past the dropped frame's SYN_REPORT are not applied over the newer EVIOCGKEY snapshot).
/// </content>
public sealed unsafe partial class EvdevReader
{
    private void ProcessEvent(EvdevDevice device, ReadOnlySpan<byte> bytes, long readTime)
    {
        Interlocked.Increment(ref Counters.EventsDecodedField);
        if (!InputEventCodec.TryDecode(bytes, out EvdevEvent decoded))
        {
            CountBad(device, ref Counters.MalformedEventsField, "malformed timeval");
            return;
        }

        EvdevEvent inputEvent = device.HasKernelMonotonicTime ? decoded : decoded with { TimestampNanoseconds = readTime };
        switch (inputEvent.Type)
        {
            case EventTypes.Synchronization:
                if (inputEvent.Code == SynchronizationCodes.Report)
                {
                    if (device.DiscardingUntilReport)
                    {
                        device.DiscardingUntilReport = false;
                        Resynchronise(device, inputEvent.TimestampNanoseconds);
                    }
                    else
                    {
                        CompleteFrame(device, inputEvent.TimestampNanoseconds);
                    }
                }
                else if (inputEvent.Code == SynchronizationCodes.Dropped)
                {
                    Interlocked.Increment(ref Counters.SynDroppedField);
                    Interlocked.Add(ref Counters.EventsDiscardedAfterDropField, device.FrameCount);
                    device.FrameCount = 0;
                    device.DiscardingUntilReport = true;
                }
                else if (inputEvent.Code > 3)
                {
                    CountBad(device, ref Counters.UnknownCodesField, "unknown SYN code");
                }

                return;
            case EventTypes.Key:
            case EventTypes.Relative:
                break;
            case > EventTypes.Maximum:
                CountBad(device, ref Counters.UnknownTypesField, "unknown event type");
                return;
            default:
                Interlocked.Increment(ref Counters.IgnoredEventsField);
                return;
        }

        if (inputEvent.Type == EventTypes.Key)
        {
            if (inputEvent.Code > KeyCodes.Maximum)
            {
                CountBad(device, ref Counters.UnknownCodesField, "unknown key code");
                return;
            }

            if (inputEvent.Value == KeyValues.Repeated)
            {
                Interlocked.Increment(ref Counters.AutorepeatsDroppedField);
                return;
            }

            if (inputEvent.Value is not (KeyValues.Pressed or KeyValues.Released))
            {
                CountBad(device, ref Counters.MalformedEventsField, "key value other than 0, 1 or 2");
                return;
            }
        }
        else if (inputEvent.Code > RelativeAxes.Maximum)
        {
            CountBad(device, ref Counters.UnknownCodesField, "unknown relative axis");
            return;
        }

        if (device.DiscardingUntilReport || (device.SkippingReadKeys && inputEvent.Type == EventTypes.Key))
        {
            Interlocked.Increment(ref Counters.EventsDiscardedAfterDropField);
            return;
        }

        if (device.FrameCount == EvdevDevice.FrameCapacity)
        {
            Interlocked.Increment(ref Counters.FrameOverflowsField);
            CompleteFrame(device, inputEvent.TimestampNanoseconds);
        }

        device.Frame[device.FrameCount++] = inputEvent;
    }

    private void CompleteFrame(EvdevDevice device, long timestampNanoseconds)
    {
        int delivered = 0;
        for (int index = 0; index < device.FrameCount; index++)
        {
            ref readonly EvdevEvent inputEvent = ref device.Frame[index];
            if (inputEvent.Type == EventTypes.Key)
            {
                bool press = inputEvent.Value == KeyValues.Pressed;
                if (device.IsHeld(inputEvent.Code) == press)
                {
                    // A press of a held key or a release of a key not held (after a resync): nothing changes.
                    continue;
                }

                device.SetHeld(inputEvent.Code, press);
            }

            _sink.EventReceived(device, inputEvent);
            delivered++;
        }

        device.FrameCount = 0;
        if (delivered > 0)
        {
            _sink.FrameCompleted(device, timestampNanoseconds);
        }
    }

    private void Resynchronise(EvdevDevice device, long timestampNanoseconds)
    {
        Span<byte> state = stackalloc byte[KeyCodes.Count / 8];
        state.Clear();
        // Asked even of a stand-in: its node may answer (a test seam) or say -ENOTTY.
        bool fromKernel = device.Node.IoControl(EvdevIoctl.GetKeyState(state.Length), state) >= 0;
        if (!fromKernel)
        {
            // No way to know what is still held: releasing is safe, a stuck key is not.
            state.Clear();
        }

        EvdevLog.Resynchronised(_logger, device.Id, device.Path, fromKernel ? "EVIOCGKEY" : "nothing (all keys released)");

        // The snapshot is newer than every key event still in this read's buffer: applying those on top would undo it.
        // Without a snapshot (a stand-in answering no EVIOCGKEY) the released state is a guess; later events are kept.
        device.SkippingReadKeys = fromKernel;
        int delivered = 0;
        byte[] held = device.HeldKeys;

        // Releases first, then presses, each in code order.
        for (int pass = 0; pass < 2; pass++)
        {
            bool pressing = pass == 1;
            for (int index = 0; index < held.Length; index++)
            {
                int changed = (held[index] ^ state[index]) & (pressing ? state[index] : held[index]);
                while (changed != 0)
                {
                    int bit = System.Numerics.BitOperations.TrailingZeroCount(changed);
                    changed &= changed - 1;
                    ushort code = (ushort)(index * 8 + bit);
                    device.SetHeld(code, pressing);
                    _sink.EventReceived(device, new EvdevEvent(timestampNanoseconds, EventTypes.Key, code, pressing ? KeyValues.Pressed : KeyValues.Released));
                    delivered++;
                }
            }
        }

        if (delivered > 0)
        {
            _sink.FrameCompleted(device, timestampNanoseconds);
        }
    }
}
