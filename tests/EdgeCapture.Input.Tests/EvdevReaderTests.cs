using EdgeCapture.Input.Evdev;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;
using static EdgeCapture.Input.Tests.Events;

namespace EdgeCapture.Input.Tests;

public sealed class EvdevReaderTests
{
    [Fact]
    public void Frames_are_delivered_in_order_and_autorepeat_is_dropped()
    {
        using var directory = new TemporaryDirectory();
        using var fifo = FifoWriter.Create(directory.Combine("keyboard"));
        var sink = new RecordingSink();
        using var reader = new EvdevReader(sink, TestTime.Create());
        EvdevDevice device = reader.AddDevice(new EvdevDeviceOptions(fifo.Path) { Kind = InputDeviceKind.Keyboard })!;
        reader.Start();

        fifo.Write(Key(KeyCodes.LeftShift, 1), Report(), Key(KeyCodes.A, 1), Report(), Key(KeyCodes.A, 2), Report(), Key(KeyCodes.A, 2), Report(), Key(KeyCodes.A, 0), Key(KeyCodes.LeftShift, 0), Report());
        fifo.Dispose();

        Assert.Equal(
            ["added Keyboard", "key 42 1", "frame", "key 30 1", "frame", "key 30 0", "key 42 0", "frame", "removed"],
            sink.WaitFor("removed"));
        Assert.Equal(2, reader.Counters.AutorepeatsDropped);
        Assert.False(device.SupportsIoctls);
        Assert.False(device.HasKernelMonotonicTime);
        Assert.Equal(0, reader.Counters.BadInput);
    }

    [Fact]
    public void An_unplugged_keyboard_releases_every_key_it_held()
    {
        using var directory = new TemporaryDirectory();
        using var fifo = FifoWriter.Create(directory.Combine("keyboard"));
        var sink = new RecordingSink();
        using var reader = new EvdevReader(sink, TestTime.Create());
        reader.AddDevice(new EvdevDeviceOptions(fifo.Path) { Kind = InputDeviceKind.Keyboard });
        reader.Start();

        fifo.Write(Key(KeyCodes.LeftCtrl, 1), Key(KeyCodes.C, 1), Report(), Key(KeyCodes.X, 1), Report(), Key(KeyCodes.X, 0), Report());
        fifo.Dispose();

        Assert.Equal(
            ["added Keyboard", "key 29 1", "key 46 1", "frame", "key 45 1", "frame", "key 45 0", "frame", "key 29 0", "key 46 0", "frame", "removed"],
            sink.WaitFor("removed"));
        Assert.Equal(0, reader.DeviceCount);
        Assert.False(reader.IsOpen(fifo.Path));
    }

    [Fact]
    public void Syn_dropped_discards_until_the_next_report_and_resynchronises_from_the_kernel_key_state()
    {
        using var directory = new TemporaryDirectory();
        using var fifo = FifoWriter.Create(directory.Combine("keyboard"));
        var sink = new RecordingSink();
        var keyState = new byte[KeyCodes.Count / 8];
        keyState[KeyCodes.B / 8] |= 1 << (KeyCodes.B % 8);
        keyState[KeyCodes.C / 8] |= 1 << (KeyCodes.C % 8);
        using var reader = new EvdevReader(sink, TestTime.Create(), null, options => new KeyStateNode(EvdevFileNode.Open(options.Path), keyState));
        reader.AddDevice(new EvdevDeviceOptions(fifo.Path) { Kind = InputDeviceKind.Keyboard });
        reader.Start();

        fifo.Write(
            Key(KeyCodes.A, 1), Key(KeyCodes.B, 1), Report(),
            Key(KeyCodes.D, 1), Dropped(), Key(KeyCodes.E, 1), Key(KeyCodes.A, 0), Report(),
            Key(KeyCodes.F, 1), Report());
        fifo.Dispose();

        Assert.Equal(
            [
                "added Keyboard", "key 30 1", "key 48 1", "frame",
                "key 30 0", "key 46 1", "frame",

                // F was read with the dropped frame, so it is older than the EVIOCGKEY snapshot (which has it released).
                "key 46 0", "key 48 0", "frame", "removed",
            ],
            sink.WaitFor("removed"));
        Assert.Equal(1, reader.Counters.SynDropped);
        Assert.Equal(4, reader.Counters.EventsDiscardedAfterDrop);
    }

    [Fact]
    public void Syn_dropped_on_a_node_without_key_state_releases_everything_held()
    {
        using var directory = new TemporaryDirectory();
        using var fifo = FifoWriter.Create(directory.Combine("keyboard"));
        var sink = new RecordingSink();
        using var reader = new EvdevReader(sink, TestTime.Create());
        reader.AddDevice(new EvdevDeviceOptions(fifo.Path) { Kind = InputDeviceKind.Keyboard });
        reader.Start();

        fifo.Write(Key(KeyCodes.A, 1), Key(KeyCodes.LeftShift, 1), Report(), Dropped(), Report(), Key(KeyCodes.A, 0), Report(), Key(KeyCodes.Z, 1), Key(KeyCodes.Z, 0), Report());

        Assert.Equal(
            ["added Keyboard", "key 30 1", "key 42 1", "frame", "key 30 0", "key 42 0", "frame", "key 44 1", "key 44 0", "frame"],
            WaitForFrames(sink, 3));
    }

    [Fact]
    public void Truncated_events_unknown_types_and_unknown_codes_are_counted_and_skipped()
    {
        using var directory = new TemporaryDirectory();
        using var fifo = FifoWriter.Create(directory.Combine("mouse"));
        var sink = new RecordingSink();
        using var reader = new EvdevReader(sink, TestTime.Create());
        reader.AddDevice(new EvdevDeviceOptions(fifo.Path) { Kind = InputDeviceKind.Mouse });
        reader.Start();

        fifo.Write(
            new EvdevEvent(1, 0x7f, 1, 1), // unknown type
            new EvdevEvent(1, EventTypes.Key, 0x3ff, 1), // key code above KEY_MAX
            new EvdevEvent(1, EventTypes.Relative, 0x40, 5), // axis above REL_MAX
            new EvdevEvent(1, EventTypes.Key, ButtonCodes.Left, 7), // impossible key value
            new EvdevEvent(1, EventTypes.Miscellaneous, 4, 0x90001), // MSC_SCAN: valid, not relayed
            Rel(RelativeAxes.X, 5), Report());
        byte[] lastEvent = InputEventCodec.EncodeAll([Rel(RelativeAxes.Y, 9)]);
        fifo.Write(lastEvent.AsSpan(0, lastEvent.Length - 3));
        fifo.Dispose();

        Assert.Equal(["added Mouse", "rel 0 5", "frame", "removed"], sink.WaitFor("removed"));
        Assert.Equal(1, reader.Counters.UnknownTypes);
        Assert.Equal(2, reader.Counters.UnknownCodes);
        Assert.Equal(1, reader.Counters.MalformedEvents);
        Assert.Equal(1, reader.Counters.IgnoredEvents);
        Assert.Equal(InputEventCodec.EventSize - 3, reader.Counters.TruncatedBytes);
    }

    [Fact]
    public void Events_split_across_writes_are_reassembled()
    {
        using var directory = new TemporaryDirectory();
        using var fifo = FifoWriter.Create(directory.Combine("keyboard"));
        var sink = new RecordingSink();
        using var reader = new EvdevReader(sink, TestTime.Create());
        reader.AddDevice(new EvdevDeviceOptions(fifo.Path) { Kind = InputDeviceKind.Keyboard });
        reader.Start();

        byte[] bytes = InputEventCodec.EncodeAll([Key(KeyCodes.Q, 1), Report(), Key(KeyCodes.Q, 0), Report()]);
        foreach (byte[] chunk in bytes.Chunk(5))
        {
            fifo.Write(chunk);
        }

        Assert.Equal(["added Keyboard", "key 16 1", "frame", "key 16 0", "frame"], WaitForFrames(sink, 2));
    }

    [Fact]
    public void Random_bytes_are_skipped_and_counted_and_never_break_the_reader()
    {
        Prop.ForAll(
            ArbMap.Default.ArbFor<byte[]>(),
            bytes =>
            {
                using var directory = new TemporaryDirectory();
                using var fifo = FifoWriter.Create(directory.Combine("device"));
                var sink = new RecordingSink();
                using var reader = new EvdevReader(sink, TestTime.Create());
                reader.AddDevice(new EvdevDeviceOptions(fifo.Path) { Kind = InputDeviceKind.Keyboard });
                reader.Start();
                fifo.Write(bytes);
                fifo.Write(Key(KeyCodes.Enter, 1), Report());
                fifo.Dispose();
                List<string> received = sink.WaitFor("removed");

                // Whatever got through is consistent: no key pressed twice, everything released by the end.
                var held = new HashSet<string>();
                foreach (string entry in received.Where(entry => entry.StartsWith("key ", StringComparison.Ordinal)))
                {
                    string[] parts = entry.Split(' ');
                    bool changed = parts[2] == "1" ? held.Add(parts[1]) : held.Remove(parts[1]);
                    if (!changed)
                    {
                        return false;
                    }
                }

                long whole = reader.Counters.EventsDecoded;
                return held.Count == 0 && whole == (bytes.Length + 2L * InputEventCodec.EventSize) / InputEventCodec.EventSize;
            }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Keyboard_leds_are_written_to_every_keyboard_and_not_to_mice()
    {
        using var directory = new TemporaryDirectory();
        using var first = FifoWriter.Create(directory.Combine("keyboard1"));
        using var second = FifoWriter.Create(directory.Combine("keyboard2"));
        using var mouse = FifoWriter.Create(directory.Combine("mouse"));
        var sink = new RecordingSink();
        using var reader = new EvdevReader(sink, TestTime.Create());
        reader.AddDevice(new EvdevDeviceOptions(first.Path) { Kind = InputDeviceKind.Keyboard, LedOutputPath = directory.Combine("leds1") });
        reader.AddDevice(new EvdevDeviceOptions(second.Path) { Kind = InputDeviceKind.Keyboard, LedOutputPath = directory.Combine("leds2") });
        reader.AddDevice(new EvdevDeviceOptions(mouse.Path) { Kind = InputDeviceKind.Mouse, LedOutputPath = directory.Combine("leds3") });
        reader.Start();
        sink.WaitFor("added Mouse");

        Assert.Equal(2, reader.WriteKeyboardLeds(0x02 | 0x01));

        foreach (string leds in new[] { "leds1", "leds2" })
        {
            byte[] bytes = File.ReadAllBytes(directory.Combine(leds));
            var events = Enumerable.Range(0, bytes.Length / InputEventCodec.EventSize)
                .Select(index => InputEventCodec.TryDecode(bytes.AsSpan(index * InputEventCodec.EventSize), out EvdevEvent e) ? (e.Type, e.Code, e.Value) : default)
                .ToList();
            Assert.Equal(
                [(EventTypes.Led, LedCodes.NumLock, 1), (EventTypes.Led, LedCodes.CapsLock, 1), (EventTypes.Led, LedCodes.ScrollLock, 0), (EventTypes.Led, (ushort)3, 0), (EventTypes.Led, (ushort)4, 0), (EventTypes.Synchronization, SynchronizationCodes.Report, 0)],
                events);
        }

        Assert.Equal(0, new FileInfo(directory.Combine("leds3")).Length);
    }

    [Fact]
    public void The_directory_watcher_opens_nodes_that_appear_and_skips_unconfigured_ones()
    {
        using var directory = new TemporaryDirectory();
        using var present = FifoWriter.Create(directory.Combine("event0"));
        var sink = new RecordingSink();
        var time = TestTime.Create();
        using var reader = new EvdevReader(sink, time);
        reader.Start();
        using var watcher = new EvdevDirectoryWatcher(
            directory.Path,
            reader,
            path => path.EndsWith("event9", StringComparison.Ordinal) ? null : new EvdevDeviceOptions(path) { Kind = InputDeviceKind.Keyboard },
            time);
        watcher.Start();
        sink.WaitFor("added Keyboard");

        using var ignored = FifoWriter.Create(directory.Combine("event9"));
        using var plugged = FifoWriter.Create(directory.Combine("event1"));
        time.Advance(TimeSpan.FromSeconds(2));
        sink.WaitFor("added Keyboard");
        Assert.True(reader.IsOpen(plugged.Path));
        Assert.False(reader.IsOpen(ignored.Path));

        plugged.Write(Key(KeyCodes.K, 1), Report());
        plugged.Dispose();
        Assert.Equal(["key 37 1", "frame", "key 37 0", "frame", "removed"], sink.WaitFor("removed").Skip(2));
    }

    [Fact]
    public void A_device_is_counted_from_AddDevice_on_even_while_the_reader_thread_takes_it_over()
    {
        // The relay service reports its device count right after adding; a count that dipped to zero while the reader
        // thread moved the device from pending to open made that report (and the service's health) wrong.
        using var directory = new TemporaryDirectory();
        using var reader = new EvdevReader(new RecordingSink(), TestTime.Create());
        reader.Start();
        var fifos = new List<FifoWriter>();
        int expected = 0;
        int lowest = int.MaxValue;
        int stop = 0;
        var observer = new Thread(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                // The floor first: expected rises only after AddDevice returned, so the count read after it is at least it.
                int floor = Volatile.Read(ref expected);
                int count = reader.DeviceCount;
                if (count < floor)
                {
                    lowest = Math.Min(lowest, count);
                }
            }
        })
        { IsBackground = true };
        observer.Start();
        try
        {
            for (int index = 0; index < EvdevReader.MaximumDevices; index++)
            {
                FifoWriter fifo = FifoWriter.Create(directory.Combine("event" + index));
                fifos.Add(fifo);
                Assert.NotNull(reader.AddDevice(new EvdevDeviceOptions(fifo.Path) { Kind = InputDeviceKind.Keyboard }));
                Volatile.Write(ref expected, index + 1);
                Assert.Equal(index + 1, reader.DeviceCount);
            }
        }
        finally
        {
            // Stopped whatever failed, so that no spinning thread outlives the test.
            Volatile.Write(ref stop, 1);
            observer.Join();
            fifos.ForEach(fifo => fifo.Dispose());
        }

        Assert.Equal(int.MaxValue, lowest);
    }

    [Fact]
    public void A_fifo_without_a_configured_kind_is_not_relayed()
    {
        using var directory = new TemporaryDirectory();
        using var fifo = FifoWriter.Create(directory.Combine("unknown"));
        using var reader = new EvdevReader(new RecordingSink(), TestTime.Create());
        Assert.Null(reader.AddDevice(new EvdevDeviceOptions(fifo.Path)));
        Assert.False(reader.IsOpen(fifo.Path));
        Assert.Throws<IOException>(() => reader.AddDevice(new EvdevDeviceOptions(directory.Combine("missing")) { Kind = InputDeviceKind.Mouse }));
    }

    private static List<string> WaitForFrames(RecordingSink sink, int frames)
    {
        while (sink.Received.Count(entry => entry == "frame") < frames)
        {
            sink.WaitFor("frame");
        }

        return sink.Received;
    }

    /// <summary>The real FIFO node, answering EVIOCGKEY as a kernel would (a FIFO itself answers -ENOTTY).</summary>
    private sealed class KeyStateNode(EvdevFileNode inner, byte[] keyState) : IEvdevNode
    {
        public string Path => inner.Path;

        public int FileDescriptor => inner.FileDescriptor;

        public int Read(Span<byte> buffer) => inner.Read(buffer);

        public int Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public int IoControl(uint request, Span<byte> argument)
        {
            if (request == EvdevIoctl.GetKeyState(argument.Length))
            {
                keyState.AsSpan(0, Math.Min(keyState.Length, argument.Length)).CopyTo(argument);
                return argument.Length;
            }

            return inner.IoControl(request, argument);
        }

        public int IoControl(uint request, int argument) => inner.IoControl(request, argument);

        public void Dispose() => inner.Dispose();
    }
}
