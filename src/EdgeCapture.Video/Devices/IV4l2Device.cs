namespace EdgeCapture.Video.Devices;

/// <summary>What <see cref="IV4l2Device.Wait"/> saw.</summary>
internal enum V4l2WaitResult
{
    /// <summary>Nothing within the timeout.</summary>
    Timeout,

    /// <summary>A filled buffer can be dequeued (POLLIN).</summary>
    FrameReady,

    /// <summary>An event is pending (POLLPRI), for example a source change.</summary>
    EventPending,

    /// <summary>The device reported an error (POLLERR): streaming stopped, usually because the signal went away.</summary>
    Error,
}

/// <summary>
/// What <see cref="IV4l2Device.Wait"/> polls for. Asking for frames matters to the kernel, not just to us: on a vb2 queue
/// with VB2_READ (unicam, rp1-cfe) POLLIN while no buffers exist starts the read() emulator, which allocates buffers and
/// calls STREAMON; from then on S_DV_TIMINGS, S_FMT and REQBUFS fail with EBUSY until the file is closed.
/// </summary>
[Flags]
internal enum V4l2PollEvents
{
    /// <summary>POLLPRI: a pending event (V4L2_EVENT_SOURCE_CHANGE). The only thing to wait for while not streaming.</summary>
    Events = 1,

    /// <summary>POLLIN: a filled buffer. Only while our own mmap buffers are streaming.</summary>
    Frames = 2,
}

/// <summary>A buffer the driver handed back.</summary>
/// <param name="Index">Buffer index, to queue it again.</param>
/// <param name="BytesUsed">Bytes of frame data.</param>
/// <param name="MonotonicNanoseconds">Kernel capture timestamp when it is CLOCK_MONOTONIC, otherwise null.</param>
/// <param name="Sequence">Driver frame counter.</param>
/// <param name="Corrupted">V4L2_BUF_FLAG_ERROR: the data may be damaged.</param>
internal readonly record struct DequeuedBuffer(int Index, int BytesUsed, long? MonotonicNanoseconds, uint Sequence, bool Corrupted);

/// <summary>The detected input timings (struct v4l2_bt_timings, the fields we use).</summary>
/// <param name="Width">Active width.</param>
/// <param name="Height">Active height.</param>
/// <param name="FramesPerSecond">Refresh rate from the pixel clock.</param>
/// <param name="Raw">The kernel struct, to hand back to VIDIOC_S_DV_TIMINGS unchanged.</param>
internal readonly record struct DetectedTimings(int Width, int Height, double FramesPerSecond, V4l2.DvTimings Raw);

/// <summary>
/// One open V4L2 capture node, as the kernel primitives it offers: each method is one ioctl (or poll/mmap) and returns
/// 0 or the errno. The capture loop is written against this seam; tests drive it with a simulated device.
/// </summary>
internal interface IV4l2Device : IDisposable
{
    int QueryDvTimings(out DetectedTimings timings);

    int SetDvTimings(in DetectedTimings timings);

    int SubscribeSourceChange();

    int DequeueEvent(out uint type, out uint changes);

    int SetFormat(uint pixelFormat, int width, int height, out int actualWidth, out int actualHeight, out int bytesPerLine);

    int StartStreaming(int bufferCount);

    void StopStreaming();

    /// <summary>poll(2) for <paramref name="events"/>: POLLIN only with <see cref="V4l2PollEvents.Frames"/>, POLLPRI with <see cref="V4l2PollEvents.Events"/>.</summary>
    V4l2WaitResult Wait(V4l2PollEvents events, int timeoutMilliseconds);

    int DequeueBuffer(out DequeuedBuffer buffer);

    ReadOnlySpan<byte> BufferData(int index, int length);

    int QueueBuffer(int index);
}
