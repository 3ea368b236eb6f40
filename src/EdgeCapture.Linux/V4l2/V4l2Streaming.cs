using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

/// <summary>
/// The V4L2 streaming ioctls (format, mmap buffers, queue/dequeue, stream on/off). The libc calls around them (open,
/// poll, mmap, munmap, close) are <see cref="Interop"/>'s.
/// Struct layouts follow include/uapi/linux/videodev2.h with pointer-sized fields as <see cref="nint"/>, so the same
/// definitions hold on 64-bit and (time32) 32-bit userland; <see cref="KernelStructSizes"/> checks them.
/// </summary>
internal static class V4l2Streaming
{
    public const uint BufferTypeVideoCapture = 1;     // V4L2_BUF_TYPE_VIDEO_CAPTURE
    public const uint MemoryMmap = 1;                 // V4L2_MEMORY_MMAP
    public const uint FieldNone = 1;                  // V4L2_FIELD_NONE
    public const uint BufferFlagTimestampMonotonic = 0x2000; // V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC
    public const uint BufferFlagTimestampMask = 0xE000;
    public const uint BufferFlagError = 0x40;         // V4L2_BUF_FLAG_ERROR

    public static readonly uint PixelFormatUyvy = FourCharacterCode('U', 'Y', 'V', 'Y');
    public static readonly uint PixelFormatYuyv = FourCharacterCode('Y', 'U', 'Y', 'V');
    public static readonly uint PixelFormatMjpeg = FourCharacterCode('M', 'J', 'P', 'G');

    public static uint FourCharacterCode(char a, char b, char c, char d) => a | ((uint)b << 8) | ((uint)c << 16) | ((uint)d << 24);

    public static uint SetFormat => V4l2.Request(3, 5, Marshal.SizeOf<Format>());

    public static uint RequestBuffers => V4l2.Request(3, 8, Marshal.SizeOf<RequestBuffersArgument>());

    public static uint QueryBuffer => V4l2.Request(3, 9, Marshal.SizeOf<Buffer>());

    public static uint QueueBuffer => V4l2.Request(3, 15, Marshal.SizeOf<Buffer>());

    public static uint DequeueBuffer => V4l2.Request(3, 17, Marshal.SizeOf<Buffer>());

    public static uint StreamOn => V4l2.Request(1, 18, sizeof(int));

    public static uint StreamOff => V4l2.Request(1, 19, sizeof(int));

    /// <summary>struct v4l2_pix_format (48 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PixFormat
    {
        public uint width;
        public uint height;
        public uint pixelformat;
        public uint field;
        public uint bytesperline;
        public uint sizeimage;
        public uint colorspace;
        public uint priv;
        public uint flags;
        public uint ycbcr_enc;
        public uint quantization;
        public uint xfer_func;
    }

    /// <summary>The 200-byte union of struct v4l2_format (pointer-aligned: it holds struct v4l2_window).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 200)]
    public struct FormatUnion
    {
        [FieldOffset(0)]
        public PixFormat pix;

        [FieldOffset(0)]
        public nint alignment;
    }

    /// <summary>struct v4l2_format: 208 bytes on 64-bit.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Format
    {
        public uint type;
        public FormatUnion fmt;
    }

    /// <summary>struct v4l2_requestbuffers (20 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct RequestBuffersArgument
    {
        public uint count;
        public uint type;
        public uint memory;
        public uint capabilities;
        public byte flags;
        public fixed byte reserved[3];
    }

    /// <summary>struct v4l2_timecode (16 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct Timecode
    {
        public uint type;
        public uint flags;
        public byte frames;
        public byte seconds;
        public byte minutes;
        public byte hours;
        public fixed byte userbits[4];
    }

    /// <summary>struct v4l2_buffer: 88 bytes on 64-bit.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Buffer
    {
        public uint index;
        public uint type;
        public uint bytesused;
        public uint flags;
        public uint field;
        public nint timestamp_seconds;
        public nint timestamp_microseconds;
        public Timecode timecode;
        public uint sequence;
        public uint memory;
        public nint m;          // union { __u32 offset; unsigned long userptr; planes; __s32 fd; }
        public uint length;
        public uint reserved2;
        public uint request_fd;
    }
}
