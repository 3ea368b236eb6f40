namespace EdgeCapture.Linux.Tests;

/// <summary>The poll loop the evdev reader and the gadget writer share, against real pipes and a real eventfd.</summary>
public sealed class WakeablePollTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgecapture-poll-").FullName;

    [Fact]
    public async Task A_wake_from_another_thread_ends_an_endless_wait_and_is_consumed_once()
    {
        using var poll = new WakeablePoll(capacity: 2);
        int fifo = OpenFifo("idle");
        try
        {
            poll.Add(fifo, Interop.POLLIN);
            using var started = new ManualResetEventSlim();
            Task<int> waiter = Task.Factory.StartNew(
                () =>
                {
                    started.Set();
                    return poll.Wait(-1);
                },
                TaskCreationOptions.LongRunning);
            started.Wait();
            poll.Wake();

            Assert.Equal(1, await waiter.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.True(poll.WasWoken);
            Assert.Equal(0, poll.ReadyEventsAt(0));

            // Drained: the next wait times out instead of returning for the same wake.
            Assert.Equal(0, poll.Wait(0));
            Assert.False(poll.WasWoken);
        }
        finally
        {
            Interop.Close(fifo);
        }
    }

    [Fact]
    public void A_readable_descriptor_is_reported_at_its_own_index_and_negative_ones_keep_theirs()
    {
        using var poll = new WakeablePoll(capacity: 3);
        int quiet = OpenFifo("quiet");
        int busy = OpenFifo("busy");
        try
        {
            Assert.Equal(1, Interop.Write(busy, "x"u8));
            Assert.Equal(0, poll.Add(quiet, Interop.POLLIN));
            Assert.Equal(1, poll.Add(-1, Interop.POLLOUT));
            Assert.Equal(2, poll.Add(busy, Interop.POLLIN));
            Assert.Equal(0, poll.Add(quiet, Interop.POLLPRI));

            Assert.Equal(1, poll.Wait(1000));
            Assert.Equal(0, poll.ReadyEventsAt(0));
            Assert.Equal(0, poll.ReadyEventsAt(1));
            Assert.Equal(Interop.POLLIN, poll.ReadyEventsAt(2) & Interop.POLLIN);
            Assert.Equal(3, poll.Count);
            Assert.Throws<InvalidOperationException>(() => poll.Add(999, Interop.POLLIN));

            Span<byte> buffer = stackalloc byte[4];
            Assert.Equal(1, Interop.Read(busy, buffer));
            Assert.Equal(-Errno.EAGAIN, Interop.Read(busy, buffer));
        }
        finally
        {
            Interop.Close(quiet);
            Interop.Close(busy);
        }
    }

    [Fact]
    public void Polling_one_descriptor_reports_its_events_or_a_timeout()
    {
        int fifo = OpenFifo("one");
        try
        {
            Assert.Equal(0, Interop.PollOne(fifo, Interop.POLLIN, 0));
            Assert.Equal(Interop.POLLOUT, Interop.PollOne(fifo, Interop.POLLOUT, 0));
            Assert.Equal(-Errno.EBADF, Interop.Write(-1, "x"u8));
        }
        finally
        {
            Interop.Close(fifo);
        }
    }

    [Fact]
    public void A_directory_sync_succeeds_on_a_directory_and_reports_the_errno_otherwise()
    {
        Assert.Equal(0, Interop.SyncDirectory(_directory));
        Assert.Equal(2 /* ENOENT */, Interop.SyncDirectory(Path.Combine(_directory, "absent")));
        Assert.Equal(Interop.S_IFIFO, Interop.GetFileType(CreateFifo("typed")));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string CreateFifo(string name)
    {
        string path = Path.Combine(_directory, name);
        Assert.Equal(0, Interop.MakeFifo(path, 0x180));
        return path;
    }

    private int OpenFifo(string name)
    {
        // O_RDWR on a FIFO never blocks in open and keeps a writer, so no end-of-file.
        int fileDescriptor = Interop.Open(CreateFifo(name), Interop.O_RDWR | Interop.O_NONBLOCK | Interop.O_CLOEXEC, 0);
        Assert.True(fileDescriptor >= 0, $"open failed: errno {Interop.LastError}");
        return fileDescriptor;
    }
}
