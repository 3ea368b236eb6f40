using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Input.Evdev;

/// <content>
/// The reader thread: accepts added devices, polls every descriptor and the wake eventfd, reads whole events, and
/// removes a device that went away (its held keys released to the sink first).
/// </content>
public sealed unsafe partial class EvdevReader
{
    private void Run()
    {
        while (true)
        {
            // One pass of the loop, counted: a watchdog that woke the thread sees it come round (or not, when it hangs).
            Interlocked.Increment(ref _loopPasses);
            try
            {
                if (_stopping)
                {
                    AcceptPendingDevices();
                    while (_deviceCount > 0)
                    {
                        RemoveDevice(_devices[_deviceCount - 1], "reader stopped");
                    }

                    return;
                }

                AcceptPendingDevices();
                PollOnce();
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // A sink or device fault must not end relaying for every other device.
                EvdevLog.LoopFailed(_logger, exception);
            }
        }
    }

    private void AcceptPendingDevices()
    {
        // Checked without the lock first: this runs on every pass of the reader loop, and devices are rarely pending.
        while (!_pendingAdds.IsEmpty)
        {
            EvdevDevice? device;
            bool full;

            // Dequeued and added under the lock DeviceCount takes, so that no reader of it sees a device in neither place.
            lock (_devicesLock)
            {
                if (!_pendingAdds.TryDequeue(out device))
                {
                    return;
                }

                full = _deviceCount == MaximumDevices;
                if (!full)
                {
                    _devices[_deviceCount++] = device;
                }
            }

            if (full)
            {
                EvdevLog.DeviceNotRelayed(_logger, device.Path, $"more than {MaximumDevices} devices");
                ForgetPath(device.Path);
                device.Node.Dispose();
                continue;
            }

            Interlocked.Increment(ref Counters.DevicesAddedField);
            EvdevLog.DeviceAdded(_logger, device.Id, device.Path, device.Kind, device.SupportsIoctls, device.IsGrabbed, device.HasKernelMonotonicTime);
            _sink.DeviceAdded(device);
        }
    }

    private void PollOnce()
    {
        int count = _deviceCount;
        _poll.Reset();
        for (int index = 0; index < count; index++)
        {
            _poll.Add(_devices[index].Node.FileDescriptor, Interop.POLLIN);
        }

        if (_poll.Wait(-1) < 0)
        {
            return;
        }

        // Walk backwards: removing a device moves the last one into its place. Entries were added in device order.
        for (int index = count - 1; index >= 0; index--)
        {
            short events = _poll.ReadyEventsAt(index);
            if (events == 0)
            {
                continue;
            }

            EvdevDevice device = _devices[index];
            if ((events & Interop.POLLNVAL) != 0)
            {
                RemoveDevice(device, "descriptor closed");
                continue;
            }

            ReadDevice(device);
        }
    }

    private void ReadDevice(EvdevDevice device)
    {
        int size = InputEventCodec.EventSize;
        Span<byte> buffer = _readBuffer;
        device.Carry.AsSpan(0, device.CarryLength).CopyTo(buffer);
        int carry = device.CarryLength;
        int result = device.Node.Read(buffer[carry..]);
        if (result == -Errno.EAGAIN || result == -Errno.EINTR)
        {
            return;
        }

        if (result == 0)
        {
            if (carry > 0)
            {
                Interlocked.Add(ref Counters.TruncatedBytesField, carry);
                EvdevLog.BadInput(_logger, device.Id, device.Path, $"{carry} bytes of a truncated event at end of input");
            }

            RemoveDevice(device, "end of input");
            return;
        }

        if (result < 0)
        {
            if (result != -Errno.ENODEV)
            {
                Interlocked.Increment(ref Counters.ReadErrorsField);
                EvdevLog.ReadFailed(_logger, device.Id, device.Path, -result);
            }

            RemoveDevice(device, result == -Errno.ENODEV ? "unplugged" : "read error");
            return;
        }

        int total = carry + result;
        int whole = total / size * size;
        long readTime = device.HasKernelMonotonicTime ? 0 : MonotonicNow();
        for (int offset = 0; offset < whole; offset += size)
        {
            ProcessEvent(device, buffer.Slice(offset, size), readTime);
        }

        // Key events read after a resynchronisation are older than its EVIOCGKEY snapshot (which also flushed the
        // kernel's queue of them); those were skipped. The next read brings events newer than the snapshot.
        device.SkippingReadKeys = false;

        device.CarryLength = total - whole;
        buffer[whole..total].CopyTo(device.Carry);
    }

    private void RemoveDevice(EvdevDevice device, string reason)
    {
        long now = MonotonicNow();
        device.FrameCount = 0;
        int released = 0;
        byte[] held = device.HeldKeys;
        for (int index = 0; index < held.Length; index++)
        {
            int bits = held[index];
            while (bits != 0)
            {
                int bit = System.Numerics.BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                ushort code = (ushort)(index * 8 + bit);
                device.SetHeld(code, false);
                _sink.EventReceived(device, new EvdevEvent(now, EventTypes.Key, code, KeyValues.Released));
                released++;
            }
        }

        if (released > 0)
        {
            _sink.FrameCompleted(device, now);
        }

        lock (_devicesLock)
        {
            int index = Array.IndexOf(_devices, device, 0, _deviceCount);
            if (index >= 0)
            {
                _devices[index] = _devices[_deviceCount - 1];
                _devices[--_deviceCount] = null!;
            }

            _openPaths.Remove(device.Path);
            device.Node.Dispose();
        }

        Interlocked.Increment(ref Counters.DevicesRemovedField);
        EvdevLog.DeviceRemoved(_logger, device.Id, device.Path, reason, released);
        _sink.DeviceRemoved(device);
    }

    private void CountBad(EvdevDevice device, ref long counter, string what)
    {
        // Log the first of each kind per device only: random bytes must not flood the log.
        if (Interlocked.Increment(ref counter) == 1 || !device.BadInputLogged)
        {
            device.BadInputLogged = true;
            EvdevLog.BadInput(_logger, device.Id, device.Path, what);
        }
    }
}
