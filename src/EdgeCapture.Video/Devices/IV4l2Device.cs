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
internal readonly record struct DetectedTimings(int Width, int Height, double FramesPerSecond, Interop.V4l2.DvTimings Raw);

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

    V4l2WaitResult Wait(int timeoutMilliseconds);

    int DequeueBuffer(out DequeuedBuffer buffer);

    ReadOnlySpan<byte> BufferData(int index, int length);

    int QueueBuffer(int index);
}
