using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

internal static unsafe partial class Interop
{
    // poll.h
    public const short POLLIN = 0x1;
    public const short POLLPRI = 0x2;
    public const short POLLOUT = 0x4;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;
    public const short POLLNVAL = 0x20;

    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFileDescriptor* fileDescriptors, nuint count, int timeoutMilliseconds);

    /// <summary>Polls one descriptor: its ready events, 0 on timeout, or -errno.</summary>
    public static int PollOne(int fileDescriptor, short events, int timeoutMilliseconds)
    {
        PollFileDescriptor entry = new() { fd = fileDescriptor, events = events };
        int ready = Poll(&entry, 1, timeoutMilliseconds);
        return ready < 0 ? -LastError : ready == 0 ? 0 : entry.revents;
    }
}

/// <summary><c>struct pollfd</c> (8 bytes on every architecture).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFileDescriptor
{
    public int fd;
    public short events;
    public short revents;
}
