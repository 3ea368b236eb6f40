using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

/// <summary>
/// Sizes of the kernel structures the box reads and writes, from the process architecture, and the check that the
/// managed layouts match them. A mismatch would misparse every evdev event, so it is checked, not assumed.
/// </summary>
public static class KernelStructSizes
{
    /// <summary>
    /// <c>struct input_event</c> for a process of <paramref name="architecture"/>: its timeval fields are
    /// <c>__kernel_ulong_t</c> (include/uapi/linux/input.h), so 24 bytes on 64-bit userland and 16 on 32-bit, also
    /// with a 64-bit time_t (the kernel keeps the 32-bit layout for y2038-safe userland).
    /// </summary>
    /// <param name="architecture">The process architecture.</param>
    /// <returns>The size in bytes.</returns>
    public static int InputEventFor(Architecture architecture) => architecture switch
    {
        Architecture.X64 or Architecture.Arm64 or Architecture.LoongArch64 or Architecture.RiscV64 or Architecture.Ppc64le or Architecture.S390x => 24,
        Architecture.X86 or Architecture.Arm or Architecture.Armv6 => 16,
        _ => throw new PlatformNotSupportedException($"No input_event layout is known for {architecture}."),
    };

    /// <summary><c>struct input_event</c> in this process.</summary>
    public static int InputEvent { get; } = InputEventFor(RuntimeInformation.ProcessArchitecture);

    /// <summary><c>struct pollfd</c>: int fd, short events, short revents on every architecture.</summary>
    public const int PollFileDescriptor = 8;

    /// <summary>
    /// The V4L2 structures (include/uapi/linux/videodev2.h) for a process of <paramref name="architecture"/>. 64-bit
    /// userland: pointers, <c>unsigned long</c> and the timeval in <c>struct v4l2_buffer</c> are 8 bytes. 32-bit ARM
    /// (armhf, time32 as Raspberry Pi OS bookworm builds it): they are 4, and the <c>__s64</c> in
    /// <c>struct v4l2_event</c>'s union is still 8-aligned (AAPCS). Other 32-bit ABIs (i386 aligns <c>__s64</c> to 4) are
    /// refused rather than guessed.
    /// </summary>
    /// <param name="architecture">The process architecture.</param>
    /// <returns>The sizes in bytes.</returns>
    public static V4l2StructSizes V4l2For(Architecture architecture) => architecture switch
    {
        Architecture.X64 or Architecture.Arm64 or Architecture.LoongArch64 or Architecture.RiscV64 or Architecture.Ppc64le or Architecture.S390x =>
            new V4l2StructSizes(BtTimings: 124, DvTimings: 132, EventSubscription: 32, Event: 136, PixFormat: 48, Format: 208, RequestBuffers: 20, Timecode: 16, Buffer: 88),
        Architecture.Arm or Architecture.Armv6 =>
            new V4l2StructSizes(BtTimings: 124, DvTimings: 132, EventSubscription: 32, Event: 128, PixFormat: 48, Format: 204, RequestBuffers: 20, Timecode: 16, Buffer: 68),
        _ => throw new PlatformNotSupportedException($"No V4L2 layout is known for {architecture}."),
    };

    /// <summary>
    /// Throws when a managed layout differs from the kernel's size for this process. Hardware-facing code calls it once
    /// before it parses anything.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">A layout does not match.</exception>
    public static void Verify()
    {
        int inputEvent = Environment.Is64BitProcess ? Marshal.SizeOf<LinuxInputEvent64>() : Marshal.SizeOf<LinuxInputEvent32>();
        Check("input_event", inputEvent, InputEvent);
        Check("pollfd", Marshal.SizeOf<PollFileDescriptor>(), PollFileDescriptor);
    }

    /// <summary>
    /// Throws when a managed V4L2 layout differs from the kernel's size for this process. The capture device calls it
    /// before its first ioctl: a wrong size changes the request number too, and the driver would answer ENOTTY.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">A layout does not match, or none is known for this architecture.</exception>
    public static void VerifyV4l2()
    {
        V4l2StructSizes kernel = V4l2For(RuntimeInformation.ProcessArchitecture);
        Check("v4l2_bt_timings", Marshal.SizeOf<V4l2.BtTimings>(), kernel.BtTimings);
        Check("v4l2_dv_timings", Marshal.SizeOf<V4l2.DvTimings>(), kernel.DvTimings);
        Check("v4l2_event_subscription", Marshal.SizeOf<V4l2.EventSubscription>(), kernel.EventSubscription);
        Check("v4l2_event", Marshal.SizeOf<V4l2.Event>(), kernel.Event);
        Check("v4l2_pix_format", Marshal.SizeOf<V4l2Streaming.PixFormat>(), kernel.PixFormat);
        Check("v4l2_format", Marshal.SizeOf<V4l2Streaming.Format>(), kernel.Format);
        Check("v4l2_requestbuffers", Marshal.SizeOf<V4l2Streaming.RequestBuffersArgument>(), kernel.RequestBuffers);
        Check("v4l2_timecode", Marshal.SizeOf<V4l2Streaming.Timecode>(), kernel.Timecode);
        Check("v4l2_buffer", Marshal.SizeOf<V4l2Streaming.Buffer>(), kernel.Buffer);
    }

    private static void Check(string name, int managed, int kernel)
    {
        if (managed != kernel)
        {
            throw new PlatformNotSupportedException(
                $"struct {name} is {kernel} bytes for a {RuntimeInformation.ProcessArchitecture} process, but the managed layout is {managed}.");
        }
    }
}

/// <summary>The sizes of the V4L2 structures the capture device passes to ioctl, in bytes.</summary>
/// <param name="BtTimings"><c>struct v4l2_bt_timings</c> (packed).</param>
/// <param name="DvTimings"><c>struct v4l2_dv_timings</c> (packed).</param>
/// <param name="EventSubscription"><c>struct v4l2_event_subscription</c>.</param>
/// <param name="Event"><c>struct v4l2_event</c>.</param>
/// <param name="PixFormat"><c>struct v4l2_pix_format</c>.</param>
/// <param name="Format"><c>struct v4l2_format</c>.</param>
/// <param name="RequestBuffers"><c>struct v4l2_requestbuffers</c>.</param>
/// <param name="Timecode"><c>struct v4l2_timecode</c>.</param>
/// <param name="Buffer"><c>struct v4l2_buffer</c>.</param>
public readonly record struct V4l2StructSizes(
    int BtTimings, int DvTimings, int EventSubscription, int Event, int PixFormat, int Format, int RequestBuffers, int Timecode, int Buffer);
