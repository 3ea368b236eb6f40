using EdgeCapture.Dataset.Layouts;
using EdgeCapture.Dataset.Reading;
using EdgeCapture.Dataset.Timeline;
using EdgeCapture.Hid;
using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Dataset.Tests;

/// <summary>
/// The export reuses its segment buffers (<see cref="PlaintextPool"/>): a frame must never show another segment's bytes,
/// the buffers a held frame needs stay out of the pool, and what the pool holds stays bounded however many segments pass.
/// </summary>
public sealed class PlaintextPoolTests
{
    [Fact]
    public void A_frame_read_after_its_segment_buffer_went_back_to_the_pool_throws_instead_of_showing_other_bytes()
    {
        using var pool = new PlaintextPool();
        SegmentPlaintext plaintext = Filled(pool, 1);
        var frame = new FrameReference(1, 64, 36, plaintext.Memory[..8], plaintext);
        pool.Translated(plaintext);

        pool.ReleaseUnreferenced([]);
        Filled(pool, 2);

        Assert.Throws<InvalidOperationException>(() => frame.Jpeg);
        Assert.Null(frame.Owner);
    }

    [Fact]
    public void A_held_frame_keeps_its_buffer_out_of_the_pool_until_it_is_no_longer_held()
    {
        using var pool = new PlaintextPool();
        SegmentPlaintext first = Filled(pool, 1);
        var frame = new FrameReference(1, 64, 36, first.Memory[..8], first);
        pool.Translated(first);

        pool.ReleaseUnreferenced([frame]);
        SegmentPlaintext second = Filled(pool, 2);

        Assert.NotSame(first.Buffer, second.Buffer);
        Assert.Equal(Enumerable.Repeat((byte)1, 8), frame.Jpeg.ToArray());

        pool.Translated(second);
        pool.ReleaseUnreferenced([]);
        SegmentPlaintext third = Filled(pool, 3);
        Assert.True(ReferenceEquals(third.Buffer, first.Buffer) || ReferenceEquals(third.Buffer, second.Buffer), "a released buffer is reused");
        Assert.Equal(2, pool.Allocated);
    }

    [Fact]
    public void Past_the_held_limit_the_oldest_segments_frames_are_copied_out_and_keep_their_bytes()
    {
        using var pool = new PlaintextPool();
        var frames = new List<FrameReference>();
        for (int segment = 1; segment <= PlaintextPool.MaximumHeldSegments + 2; segment++)
        {
            SegmentPlaintext plaintext = Filled(pool, (byte)segment);
            frames.Add(new FrameReference(segment, 64, 36, plaintext.Memory[..16], plaintext));
            pool.Translated(plaintext);
            pool.ReleaseUnreferenced(frames);
        }

        // Overwrite whatever went back to the pool.
        for (int segment = 0; segment < 3; segment++)
        {
            Filled(pool, 0xEE);
        }

        Assert.Equal(PlaintextPool.MaximumHeldSegments, frames.Count(frame => frame.Owner is not null));
        for (int index = 0; index < frames.Count; index++)
        {
            Assert.Equal(Enumerable.Repeat((byte)(index + 1), 16), frames[index].Jpeg.ToArray());
        }
    }

    [Fact]
    public void A_thousand_segments_need_only_a_handful_of_buffers()
    {
        using var pool = new PlaintextPool();
        FrameReference? last = null;
        for (int segment = 0; segment < 1000; segment++)
        {
            SegmentPlaintext plaintext = Filled(pool, (byte)segment, length: 100_000 + (segment % 7 * 1000));
            last = new FrameReference(segment, 64, 36, plaintext.Memory[..32], plaintext);
            pool.Translated(plaintext);
            pool.ReleaseUnreferenced([last]);
        }

        Assert.Equal(Enumerable.Repeat((byte)(999 % 256), 32), last!.Jpeg.ToArray());
        Assert.InRange(pool.Allocated, 1, 2);
    }

    [Fact]
    public void Disposing_zeroes_every_buffer_and_a_refused_segment_is_zeroed_at_once()
    {
        var pool = new PlaintextPool();
        SegmentPlaintext refused = Filled(pool, 7);
        pool.Refused(refused);
        Assert.All(refused.Buffer.AsSpan(0, refused.Length).ToArray(), value => Assert.Equal(0, value));

        SegmentPlaintext held = Filled(pool, 9);
        pool.Dispose();

        Assert.All(held.Buffer, value => Assert.Equal(0, value));
    }

    [Fact]
    public void Frames_held_across_many_segments_by_open_steps_read_their_own_bytes_while_buffers_are_reused()
    {
        // Segments of 1 s, each in a pooled buffer released as the export releases it. A long typing run, a drag, a
        // held-back click, a scroll run and a hover all keep a frame from an earlier segment; a holder the translator
        // did not list (SessionTranslator.HeldFrames) would have its buffer reused and fail on reading.
        using var pool = new PlaintextPool();
        var sink = new ImageCheckingSink();
        var translator = new SessionTranslator(sink, KeyboardLayout.UnitedStates, locator: null);
        var header = new SegmentHeader(SegmentFormat.Version, "test", Guid.CreateVersion7(), 0, 0, 1_750_000_000_000_000_000, new ScreenDescription(1920, 1080, "jpeg"), []);
        translator.BeginSession(header.SessionId, header);
        List<SegmentRecord> script = Script();
        long segmentLength = 1_000_000_000;
        int frameCount = 0;
        int segmentIndex = 0;
        for (long start = 0; start <= script[^1].MonotonicNanoseconds; start += segmentLength, segmentIndex++)
        {
            SegmentPlaintext plaintext = pool.Rent(1 << 20);
            var records = new List<SegmentRecord>();
            int offset = 0;
            foreach (SegmentRecord record in script.Where(record => record.MonotonicNanoseconds >= start && record.MonotonicNanoseconds < start + segmentLength))
            {
                if (record is FrameRecord frame)
                {
                    // The frame's bytes live in this segment's buffer only: its time, repeated.
                    byte[] image = ImageOf(frame.MonotonicNanoseconds);
                    image.CopyTo(plaintext.Buffer, offset);
                    records.Add(frame with { Image = plaintext.Buffer.AsMemory(offset, image.Length) });
                    offset += image.Length;
                    frameCount++;
                }
                else
                {
                    records.Add(record);
                }
            }

            plaintext.Length = offset;
            var contents = new SegmentContents(header with { SegmentIndex = segmentIndex }, records, new SegmentTrailer(records.Count, start + segmentLength, SessionEndReason.None));
            translator.Segment(contents, plaintext);
            pool.Translated(plaintext);
            pool.ReleaseUnreferenced(translator.HeldFrames());
        }

        translator.EndSession();
        pool.ReleaseUnreferenced(translator.HeldFrames());

        Assert.True(frameCount > 30 && segmentIndex > 10, $"{frameCount} frames in {segmentIndex} segments");
        Assert.Contains(sink.Steps, step => step.Action == "write" && step.Text!.Length > 20);
        Assert.Contains(sink.Steps, step => step.Action == "drag");
        Assert.Contains(sink.Steps, step => step.Action == "scroll");
        Assert.True(sink.ImagesChecked > 10, $"only {sink.ImagesChecked} step images were checked");
        Assert.InRange(pool.Allocated, 1, PlaintextPool.MaximumHeldSegments + 1);
    }

    private static SegmentPlaintext Filled(PlaintextPool pool, byte value, int length = 4096)
    {
        SegmentPlaintext plaintext = pool.Rent(length);
        plaintext.Buffer.AsSpan(0, length).Fill(value);
        plaintext.Length = length;
        return plaintext;
    }

    private static byte[] ImageOf(long time) => [0xFF, 0xD8, .. BitConverter.GetBytes(time), .. BitConverter.GetBytes(time)];

    /// <summary>
    /// Four seconds of typing, a drag, a click held back for its double, a scroll run and a hover, each longer than a
    /// segment, with frames every 40-60 ms: the builder's 16 recent frames then span at most two segments, so only the open
    /// step itself holds the frame it began on.
    /// </summary>
    private static List<SegmentRecord> Script()
    {
        var script = new RecordScript();
        void Frames(int count)
        {
            for (int index = 0; index < count; index++)
            {
                script.Frame().Wait(50);
            }
        }

        Frames(4);
        const string Text = "the quick brown fox jumps over the lazy dog and the quick brown fox jumps over the lazy dog again";
        foreach (char letter in Text)
        {
            script.Tap(letter == ' ' ? (ushort)0x2C : (ushort)(0x04 + (letter - 'a'))).Frame();
        }

        Frames(4);
        script.Mouse(MouseButtons.Left);
        for (int step = 0; step < 150; step++)
        {
            script.Mouse(MouseButtons.Left, dx: 2, dy: 1).Wait(20).Frame();
        }

        script.Mouse(MouseButtons.None);
        Frames(4);
        script.Mouse(MouseButtons.Left).Mouse(MouseButtons.None).Frame().Wait(40).Frame().Wait(40).Frame();
        Frames(6);
        for (int step = 0; step < 40; step++)
        {
            script.Mouse(MouseButtons.None, wheel: -1).Frame().Wait(40);
        }

        Frames(4);
        for (int step = 0; step < 50; step++)
        {
            script.Mouse(MouseButtons.None, dx: 1, dy: 1).Wait(40).Frame();
        }

        Frames(40);
        return script.Records;
    }

    /// <summary>Reads every step's images when it arrives, as the Hugging Face sink copies them, and checks they are the frame's own bytes.</summary>
    private sealed class ImageCheckingSink : IDatasetSink
    {
        public List<StepRow> Steps { get; } = [];

        public int ImagesChecked { get; private set; }

        public void BeginSession(SessionInfo session)
        {
        }

        public void Event(in EventRow row)
        {
        }

        public void Frame(FrameReference frame) => Check(frame);

        public void Step(StepRow step)
        {
            Steps.Add(step);
            Check(step.FrameBefore);
            Check(step.FrameAfter);
        }

        public void EndSession(SessionSummary summary)
        {
        }

        private void Check(FrameReference? frame)
        {
            if (frame is null)
            {
                return;
            }

            Assert.Equal(ImageOf(frame.TimeNanoseconds), frame.Jpeg.ToArray());
            ImagesChecked++;
        }
    }
}
