using System.Formats.Cbor;
using EdgeCapture.Hid;
using EdgeCapture.Input;
using EdgeCapture.Recording.Segments;
using FsCheck;
using FsCheck.Fluent;

namespace EdgeCapture.Recording.Tests;

public sealed class SegmentFormatTests
{
    private static readonly Guid Session = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    /// <summary>A segment with every record type, as the recorder writes it.</summary>
    internal static byte[] SampleSegment(int frameLength = 300, SessionEndReason reason = SessionEndReason.PrivacyEngaged)
    {
        using var writer = new CborSegmentWriter(64 * 1024 + frameLength);
        var encoder = new SegmentEncoder(writer);
        encoder.WriteHeader(new SegmentHeader(1, "box-7", Session, 3, 1_000_000_000, 1_740_000_000_000_000_000,
            new ScreenDescription(1920, 1080, "jpeg"), [new InputDeviceDescription(1, InputDeviceKind.Keyboard, "kbd"), new InputDeviceDescription(2, InputDeviceKind.Mouse, "mouse")]));
        encoder.WriteMarker(1_000_000_000, MarkerKind.PrivacyReleased, 0, 0);
        encoder.WriteKey(1_000_500_000, new HidUsage(0x07, 0x04), true);
        encoder.WriteKey(1_000_400_000, new HidUsage(0x07, 0x04), false);
        encoder.WriteMouse(1_001_000_000, MouseButtons.Left | MouseButtons.Forward, -5, 7, -1, 2);
        byte[] image = Enumerable.Range(0, frameLength).Select(index => (byte)index).ToArray();
        encoder.WriteFrame(1_002_000_000, 640, 360, "jpeg", 6, image);
        encoder.WriteMarker(1_003_000_000, MarkerKind.DroppedEvents, 12, 1);
        encoder.WriteTrailer(1_004_000_000, reason);
        return writer.WrittenSpan.ToArray();
    }

    [Fact]
    public void A_segment_round_trips_every_record_type_with_absolute_times()
    {
        SegmentContents contents = SegmentReader.Read(SampleSegment());

        Assert.Equal(new SegmentHeader(1, "box-7", Session, 3, 1_000_000_000, 1_740_000_000_000_000_000, new ScreenDescription(1920, 1080, "jpeg"), contents.Header.InputDevices), contents.Header);
        Assert.Equal([new InputDeviceDescription(1, InputDeviceKind.Keyboard, "kbd"), new InputDeviceDescription(2, InputDeviceKind.Mouse, "mouse")], contents.Header.InputDevices);
        Assert.Equal(6, contents.Records.Count);
        Assert.Equal(new MarkerRecord(1_000_000_000, MarkerKind.PrivacyReleased, 0, 0), contents.Records[0]);
        Assert.Equal(new KeyRecord(1_000_500_000, new HidUsage(0x07, 0x04), true), contents.Records[1]);
        Assert.Equal(new KeyRecord(1_000_400_000, new HidUsage(0x07, 0x04), false), contents.Records[2]);
        Assert.Equal(new MouseRecord(1_001_000_000, MouseButtons.Left | MouseButtons.Forward, -5, 7, -1, 2), contents.Records[3]);
        var frame = Assert.IsType<FrameRecord>(contents.Records[4]);
        Assert.Equal((1_002_000_000L, 640, 360, "jpeg", 6), (frame.MonotonicNanoseconds, frame.Width, frame.Height, frame.Format, frame.KeepReason));
        Assert.Equal(Enumerable.Range(0, 300).Select(index => (byte)index), frame.Image.ToArray());
        Assert.Equal(new MarkerRecord(1_003_000_000, MarkerKind.DroppedEvents, 12, 1), contents.Records[5]);
        Assert.Equal(new SegmentTrailer(6, 1_004_000_000, SessionEndReason.PrivacyEngaged), contents.Trailer);
    }

    [Fact]
    public void The_writer_produces_canonical_cbor_that_a_generic_decoder_accepts()
    {
        var reader = new CborReader(SampleSegment(), CborConformanceMode.Canonical, allowMultipleRootLevelValues: true);
        int values = 0;
        while (reader.BytesRemaining > 0)
        {
            reader.SkipValue();
            values++;
        }

        Assert.Equal(8, values);
    }

    [Fact]
    public void Integers_use_the_shortest_head_at_every_boundary()
    {
        long[] values = [0, 23, 24, 255, 256, 65535, 65536, uint.MaxValue, (long)uint.MaxValue + 1, long.MaxValue, -1, -24, -25, -256, -257, -65537, long.MinValue];
        using var writer = new CborSegmentWriter(4096);
        foreach (long value in values)
        {
            writer.WriteInt64(value);
        }

        var reference = new CborWriter(CborConformanceMode.Canonical, allowMultipleRootLevelValues: true);
        foreach (long value in values)
        {
            reference.WriteInt64(value);
        }

        Assert.Equal(reference.Encode(), writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Clearing_the_buffer_zeroes_the_plaintext()
    {
        using var writer = new CborSegmentWriter(4096);
        writer.WriteTextString("secret password");
        int length = writer.Length;
        writer.Clear();
        Assert.Equal(0, writer.Length);
        writer.WriteNull();
        Assert.Equal([0xF6], writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Every_byte_that_held_plaintext_is_zero_after_a_grow_a_clear_and_a_dispose()
    {
        var writer = new CborSegmentWriter(4096);
        writer.WriteTextString(new string('s', 3000));
        byte[] first = BufferOf(writer);
        writer.Clear();
        writer.WriteTextString(new string('p', 1000));
        writer.EnsureCapacity(8192);
        Assert.All(first, value => Assert.Equal(0, value));

        byte[] second = BufferOf(writer);
        writer.WriteTextString(new string('q', 6000));
        writer.Clear();
        Assert.All(second, value => Assert.Equal(0, value));

        writer.WriteTextString(new string('r', 100));
        writer.Dispose();
        Assert.All(second, value => Assert.Equal(0, value));
    }

    private static byte[] BufferOf(CborSegmentWriter writer) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(writer.WrittenMemory, out ArraySegment<byte> segment)
            ? segment.Array! : throw new InvalidOperationException("The writer's memory is not an array.");

    [Theory]
    [InlineData(new byte[0], "empty")]
    [InlineData(new byte[] { 0x80 }, "Expected an unsigned integer for record type")]
    [InlineData(new byte[] { 0x82, 0x00, 0x01 }, "Header record has 2 items, expected 9")]
    [InlineData(new byte[] { 0x01 }, "Expected a record array")]
    [InlineData(new byte[] { 0x9F, 0xFF }, "")]
    public void Garbage_is_reported_as_a_segment_format_error(byte[] bytes, string expected)
    {
        SegmentFormatException exception = Assert.Throws<SegmentFormatException>(() => SegmentReader.Read(bytes));
        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_segment_cut_after_any_record_is_reported_as_truncated()
    {
        byte[] segment = SampleSegment();
        var reader = new CborReader(segment, CborConformanceMode.Canonical, allowMultipleRootLevelValues: true);
        var boundaries = new List<int>();
        while (reader.BytesRemaining > 1)
        {
            reader.SkipValue();
            boundaries.Add(segment.Length - reader.BytesRemaining);
        }

        foreach (int boundary in boundaries.Where(boundary => boundary < segment.Length))
        {
            SegmentFormatException exception = Assert.Throws<SegmentFormatException>(() => SegmentReader.Read(segment.AsMemory(0, boundary)));
            Assert.Contains("truncated", exception.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_unknown_version_is_refused_by_name()
    {
        byte[] segment = SampleSegment();
        segment[2] = 0x03; // [0, 1, ...] -> [0, 3, ...]: array head, type 0, version.
        SegmentFormatException exception = Assert.Throws<SegmentFormatException>(() => SegmentReader.Read(segment));
        Assert.Contains("Unsupported segment format version 3", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_version_2_segment_round_trips_pointer_positions_and_a_version_1_segment_may_not_hold_one()
    {
        byte[] Segment(int version)
        {
            using var writer = new CborSegmentWriter(4096);
            var encoder = new SegmentEncoder(writer);
            encoder.WriteHeader(new SegmentHeader(version, "box-7", Session, 0, 1_000_000_000, 1_740_000_000_000_000_000, new ScreenDescription(1920, 1080, "jpeg"), []));
            encoder.WriteMouse(1_000_100_000, MouseButtons.None, 12, -3, 0, 0);
            encoder.WritePointerPosition(1_000_100_000, 1919, 0);
            encoder.WritePointerPosition(1_000_200_000, 640, 1079);
            encoder.WriteTrailer(1_000_300_000, SessionEndReason.None);
            Assert.Equal(new RecordCounts(0, 3, 0, 0), encoder.Counts);
            return writer.WrittenSpan.ToArray();
        }

        Assert.Equal(2, SegmentFormat.Version);
        SegmentContents contents = SegmentReader.Read(Segment(SegmentFormat.Version));
        Assert.Equal(
            [new MouseRecord(1_000_100_000, MouseButtons.None, 12, -3, 0, 0), new PointerPositionRecord(1_000_100_000, 1919, 0), new PointerPositionRecord(1_000_200_000, 640, 1079)],
            contents.Records);

        // Version 1 had no such record: a reader must not take one for granted there.
        SegmentFormatException exception = Assert.Throws<SegmentFormatException>(() => SegmentReader.Read(Segment(1)));
        Assert.Contains("Unknown record type 5", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_after_the_trailer_are_refused()
    {
        byte[] segment = [.. SampleSegment(), 0x00];
        SegmentFormatException exception = Assert.Throws<SegmentFormatException>(() => SegmentReader.Read(segment));
        Assert.Contains("after the trailer", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trailer_count_that_disagrees_with_the_records_is_refused()
    {
        using var writer = new CborSegmentWriter(4096);
        var encoder = new SegmentEncoder(writer);
        encoder.WriteHeader(new SegmentHeader(1, "box", Session, 0, 0, 0, null, []));
        encoder.WriteKey(5, new HidUsage(7, 4), true);
        encoder.WriteTrailer(10, SessionEndReason.None);
        byte[] segment = writer.WrittenSpan.ToArray();
        int trailerStart = Array.LastIndexOf(segment, (byte)0x84); // the trailer array head
        segment[trailerStart + 2] = 0x02; // count 1 -> 2
        SegmentFormatException exception = Assert.Throws<SegmentFormatException>(() => SegmentReader.Read(segment));
        Assert.Contains("Trailer counts 2 records but the segment holds 1", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncating_records_after_a_cut_zeroes_them_and_keeps_the_rest_valid()
    {
        using var writer = new CborSegmentWriter(4096);
        var encoder = new SegmentEncoder(writer);
        encoder.WriteHeader(new SegmentHeader(1, "box", Session, 0, 100, 0, null, []));
        encoder.WriteKey(110, new HidUsage(7, 4), true);
        encoder.WriteMouse(120, MouseButtons.None, 1, 1, 0, 0);
        int lengthAfterTwo = writer.Length;
        encoder.WriteKey(130, new HidUsage(7, 5), true);
        encoder.WriteMouse(140, MouseButtons.None, 2, 2, 0, 0);
        Assert.Equal(2, encoder.TruncateRecords(2));
        Assert.Equal(lengthAfterTwo, writer.Length);
        encoder.WriteKey(125, new HidUsage(7, 6), false);
        encoder.WriteTrailer(130, SessionEndReason.PrivacyEngaged);

        SegmentContents contents = SegmentReader.Read(writer.WrittenSpan.ToArray());
        Assert.Equal([110L, 120L, 125L], contents.Records.Select(record => record.MonotonicNanoseconds));
        Assert.Equal(new RecordCounts(2, 1, 0, 0), encoder.Counts);
    }

    /// <summary>Bad input loses nothing: whatever the damage, the reader either reads a valid segment or says what is wrong; it never crashes otherwise.</summary>
    [Fact]
    public void Corrupting_any_bytes_gives_a_valid_segment_or_a_segment_format_error()
    {
        byte[] original = SampleSegment(frameLength: 40);
        Prop.ForAll(
            Gen.Choose(0, original.Length - 1).ArrayOf().Where(positions => positions.Length is > 0 and < 6).ToArbitrary(),
            Gen.Choose(0, 255).ArrayOf(6).ToArbitrary(),
            (positions, values) =>
            {
                byte[] damaged = (byte[])original.Clone();
                for (int index = 0; index < positions.Length; index++)
                {
                    damaged[positions[index]] = (byte)values[index];
                }

                try
                {
                    SegmentContents contents = SegmentReader.Read(damaged);
                    return contents.Trailer.RecordCount == contents.Records.Count;
                }
                catch (SegmentFormatException exception)
                {
                    return exception.Message.Length > 0;
                }
            }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Truncating_at_any_byte_gives_a_segment_format_error()
    {
        byte[] original = SampleSegment(frameLength: 40);
        Prop.ForAll(Gen.Choose(0, original.Length - 1).ToArbitrary(), length =>
        {
            try
            {
                SegmentReader.Read(original.AsMemory(0, length));
                return false;
            }
            catch (SegmentFormatException)
            {
                return true;
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Random_bytes_never_escape_as_anything_but_a_segment_format_error()
    {
        Prop.ForAll(Gen.Choose(0, 255).Select(value => (byte)value).ArrayOf().ToArbitrary(), bytes =>
        {
            try
            {
                SegmentReader.Read(bytes);
                return true;
            }
            catch (SegmentFormatException)
            {
                return true;
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Random_records_round_trip()
    {
        Gen<SegmentRecord> record = Gen.OneOf(
            Gen.Choose(0, 255).Select(id => (SegmentRecord)new KeyRecord(0, new HidUsage(7, (ushort)id), id % 2 == 0)),
            Gen.Choose(-3000, 3000).Select(delta => (SegmentRecord)new MouseRecord(0, (MouseButtons)(Math.Abs(delta) % 32), delta, -delta, delta % 3, delta % 5)),
            Gen.Choose(0, 2000).Select(length => (SegmentRecord)new FrameRecord(0, 640, 480, "jpeg", length % 64, new byte[length])),
            Gen.Elements(Enum.GetValues<MarkerKind>()).Select(kind => (SegmentRecord)new MarkerRecord(0, kind, long.MinValue + 1, long.MaxValue)));
        Gen<(SegmentRecord Record, long Delta)> timed = record.Zip(Gen.Choose(-1_000_000, 50_000_000).Select(value => (long)value));
        Prop.ForAll(timed.ArrayOf().ToArbitrary(), items =>
        {
            using var writer = new CborSegmentWriter(1024 * 1024);
            var encoder = new SegmentEncoder(writer);
            encoder.WriteHeader(new SegmentHeader(1, "box", Session, 0, 1_000_000_000, 0, null, []));
            long time = 1_000_000_000;
            var expected = new List<SegmentRecord>();
            foreach ((SegmentRecord item, long delta) in items)
            {
                time += delta;
                SegmentRecord stamped = item with { MonotonicNanoseconds = time };
                encoder.WriteRecord(stamped);
                expected.Add(stamped);
            }

            encoder.WriteTrailer(time, SessionEndReason.None);
            SegmentContents contents = SegmentReader.Read(writer.WrittenSpan.ToArray());
            return contents.Records.Count == expected.Count
                && contents.Records.Zip(expected).All(pair => pair.First is FrameRecord frame
                    ? pair.Second is FrameRecord other && frame with { Image = default } == other with { Image = default } && frame.Image.Length == other.Image.Length
                    : pair.First == pair.Second);
        }).QuickCheckThrowOnFailure();
    }
}
