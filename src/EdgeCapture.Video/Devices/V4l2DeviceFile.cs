namespace EdgeCapture.Video.Devices;

/// <summary>
/// A real /dev/videoN opened non-blocking, with mmap streaming buffers. The libc calls are EdgeCapture.Linux's
/// <c>Interop</c>; the V4L2 structures and request numbers are its <see cref="V4l2"/> and <see cref="V4l2Streaming"/>.
/// </summary>
internal sealed unsafe class V4l2DeviceFile : IV4l2Device
{
    private readonly int _descriptor;
    private (nint Address, nuint Length)[] _buffers = [];

    private V4l2DeviceFile(int descriptor)
    {
        _descriptor = descriptor;
    }

    /// <summary>Opens <paramref name="path"/>; returns the errno on failure.</summary>
    /// <exception cref="PlatformNotSupportedException">The managed V4L2 layouts do not match this process's kernel ABI.</exception>
    public static int TryOpen(string path, out IV4l2Device? device)
    {
        KernelStructSizes.VerifyV4l2();
        int descriptor = Interop.Open(path, Interop.O_RDWR | Interop.O_NONBLOCK | Interop.O_CLOEXEC, 0);
        if (descriptor < 0)
        {
            device = null;
            return Interop.LastError;
        }

        device = new V4l2DeviceFile(descriptor);
        return 0;
    }

    private int Control(uint request, void* argument)
    {
        while (true)
        {
            if (Interop.IoControl(_descriptor, request, argument) == 0)
            {
                return 0;
            }

            int error = Interop.LastError;
            if (error != V4l2.ErrorInterrupted)
            {
                return error;
            }
        }
    }

    public int QueryDvTimings(out DetectedTimings timings)
    {
        V4l2.DvTimings raw = default;
        int error = Control(V4l2.QueryDvTimings, &raw);
        timings = error == 0
            ? new DetectedTimings((int)raw.bt.width, (int)raw.bt.height, raw.bt.FramesPerSecond, raw)
            : default;
        return error;
    }

    public int SetDvTimings(in DetectedTimings timings)
    {
        V4l2.DvTimings raw = timings.Raw;
        return Control(V4l2.SetDvTimings, &raw);
    }

    public int SubscribeSourceChange()
    {
        V4l2.EventSubscription subscription = default;
        subscription.type = V4l2.EventSourceChange;
        return Control(V4l2.SubscribeEvent, &subscription);
    }

    public int DequeueEvent(out uint type, out uint changes)
    {
        V4l2.Event raised = default;
        int error = Control(V4l2.DequeueEvent, &raised);
        type = raised.type;
        changes = raised.u.source_change_changes;
        return error;
    }

    public int SetFormat(uint pixelFormat, int width, int height, out int actualWidth, out int actualHeight, out int bytesPerLine)
    {
        V4l2Streaming.Format format = default;
        format.type = V4l2Streaming.BufferTypeVideoCapture;
        format.fmt.pix.width = (uint)width;
        format.fmt.pix.height = (uint)height;
        format.fmt.pix.pixelformat = pixelFormat;
        format.fmt.pix.field = V4l2Streaming.FieldNone;
        int error = Control(V4l2Streaming.SetFormat, &format);
        actualWidth = (int)format.fmt.pix.width;
        actualHeight = (int)format.fmt.pix.height;
        bytesPerLine = (int)format.fmt.pix.bytesperline;
        if (error == 0 && format.fmt.pix.pixelformat != pixelFormat)
        {
            // The driver substituted another format: we cannot read it.
            return V4l2.ErrorInvalid;
        }

        return error;
    }

    public int StartStreaming(int bufferCount)
    {
        V4l2Streaming.RequestBuffersArgument request = default;
        request.count = (uint)bufferCount;
        request.type = V4l2Streaming.BufferTypeVideoCapture;
        request.memory = V4l2Streaming.MemoryMmap;
        int error = Control(V4l2Streaming.RequestBuffers, &request);
        if (error != 0)
        {
            return error;
        }

        _buffers = new (nint, nuint)[request.count];
        for (uint index = 0; index < request.count; index++)
        {
            V4l2Streaming.Buffer buffer = default;
            buffer.index = index;
            buffer.type = V4l2Streaming.BufferTypeVideoCapture;
            buffer.memory = V4l2Streaming.MemoryMmap;
            error = Control(V4l2Streaming.QueryBuffer, &buffer);
            if (error != 0)
            {
                StopStreaming();
                return error;
            }

            nint address = Interop.MemoryMap(0, buffer.length, Interop.PROT_READ, Interop.MAP_SHARED, _descriptor, (nint)(uint)buffer.m);
            if (address == Interop.MAP_FAILED)
            {
                error = Interop.LastError;
                StopStreaming();
                return error;
            }

            _buffers[index] = (address, buffer.length);
            error = QueueBuffer((int)index);
            if (error != 0)
            {
                StopStreaming();
                return error;
            }
        }

        int type = (int)V4l2Streaming.BufferTypeVideoCapture;
        error = Control(V4l2Streaming.StreamOn, &type);
        if (error != 0)
        {
            StopStreaming();
        }

        return error;
    }

    public void StopStreaming()
    {
        int type = (int)V4l2Streaming.BufferTypeVideoCapture;
        _ = Control(V4l2Streaming.StreamOff, &type);
        foreach ((nint address, nuint length) in _buffers)
        {
            if (address != 0)
            {
                _ = Interop.MemoryUnmap(address, length);
            }
        }

        _buffers = [];
        V4l2Streaming.RequestBuffersArgument release = default;
        release.type = V4l2Streaming.BufferTypeVideoCapture;
        release.memory = V4l2Streaming.MemoryMmap;
        _ = Control(V4l2Streaming.RequestBuffers, &release);
    }

    public V4l2WaitResult Wait(V4l2PollEvents events, int timeoutMilliseconds)
    {
        short wanted = (short)(((events & V4l2PollEvents.Frames) != 0 ? Interop.POLLIN : 0)
            | ((events & V4l2PollEvents.Events) != 0 ? Interop.POLLPRI : 0));
        int ready = Interop.PollOne(_descriptor, wanted, timeoutMilliseconds);
        if (ready <= 0)
        {
            return V4l2WaitResult.Timeout;
        }

        if ((ready & Interop.POLLPRI) != 0)
        {
            return V4l2WaitResult.EventPending;
        }

        if ((ready & Interop.POLLIN) != 0)
        {
            return V4l2WaitResult.FrameReady;
        }

        return V4l2WaitResult.Error;
    }

    public int DequeueBuffer(out DequeuedBuffer buffer)
    {
        V4l2Streaming.Buffer raw = default;
        raw.type = V4l2Streaming.BufferTypeVideoCapture;
        raw.memory = V4l2Streaming.MemoryMmap;
        int error = Control(V4l2Streaming.DequeueBuffer, &raw);
        if (error != 0)
        {
            buffer = default;
            return error;
        }

        long? timestamp = (raw.flags & V4l2Streaming.BufferFlagTimestampMask) == V4l2Streaming.BufferFlagTimestampMonotonic
            ? ((long)raw.timestamp_seconds * 1_000_000_000) + ((long)raw.timestamp_microseconds * 1000)
            : null;
        buffer = new DequeuedBuffer((int)raw.index, (int)raw.bytesused, timestamp, raw.sequence, (raw.flags & V4l2Streaming.BufferFlagError) != 0);
        return 0;
    }

    public ReadOnlySpan<byte> BufferData(int index, int length)
    {
        (nint address, nuint size) = _buffers[index];
        return new ReadOnlySpan<byte>((void*)address, (int)Math.Min((nuint)length, size));
    }

    public int QueueBuffer(int index)
    {
        V4l2Streaming.Buffer buffer = default;
        buffer.index = (uint)index;
        buffer.type = V4l2Streaming.BufferTypeVideoCapture;
        buffer.memory = V4l2Streaming.MemoryMmap;
        return Control(V4l2Streaming.QueueBuffer, &buffer);
    }

    public void Dispose()
    {
        if (_buffers.Length > 0)
        {
            StopStreaming();
        }

        _ = Interop.Close(_descriptor);
    }
}
