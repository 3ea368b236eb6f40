using EdgeCapture.Dataset.Timeline;
using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Dataset.Tests;

/// <summary>
/// Which frame a press's pointer correction searches, and at which estimate: the latest frame stamped at or before the press,
/// searched around the estimate at that frame's own time (the recorder writes records in the order its gates admit them,
/// so a frame can be written before input stamped earlier than it, or after input stamped later); and in absolute pointer
/// mode, the recorded position with no search at all.
/// </summary>
public sealed class PointerCorrectionTests
{
    private const int Width = 1920;
    private const int Height = 1080;

    [Fact]
    public void A_press_is_corrected_from_the_frame_before_it_by_time_not_from_a_later_frame_written_first()
    {
        RecordScript script = new RecordScript()
            .Frame(width: Width, height: Height)
            .Wait(10).Mouse(MouseButtons.None, dx: 20)
            .Wait(50).Mouse(MouseButtons.None, dx: 100)
            .Frame(aheadMilliseconds: 30, width: Width, height: Height)
            .Mouse(MouseButtons.Left)
            .Mouse(MouseButtons.None);
        var frames = script.Records.OfType<FrameRecord>().ToList();
        long press = script.Records.OfType<MouseRecord>().First(mouse => mouse.Buttons == MouseButtons.Left).MonotonicNanoseconds;
        Assert.True(frames[1].MonotonicNanoseconds > press, "the second frame must be stamped after the press");
        var locator = new OffsetLocator(7, -3);

        MemorySink sink = MemorySink.Translate(script.Records, locator: locator);

        // Searched: the first frame, around the estimate when it was captured (the screen centre, before any motion).
        (long frame, int estimateX, int estimateY) = Assert.Single(locator.Searches);
        Assert.Equal(frames[0].MonotonicNanoseconds, frame);
        Assert.Equal((960, 540), (estimateX, estimateY));
        EventRow down = sink.Events.Single(row => row.Action == "click" && row.Pressed == true);
        Assert.Equal((7, -3), (down.CorrectionX, down.CorrectionY));
        Assert.Equal((960 + 120 + 7, 540 - 3), (down.X, down.Y));
    }

    [Fact]
    public void A_frame_written_after_later_motion_is_searched_around_the_estimate_at_its_own_time()
    {
        RecordScript script = new RecordScript()
            .Mouse(MouseButtons.None, dx: 20)
            .Wait(40).Mouse(MouseButtons.None, dx: 100)
            .Frame(aheadMilliseconds: -30, width: Width, height: Height)
            .Wait(20).Mouse(MouseButtons.Left)
            .Mouse(MouseButtons.None);
        MouseRecord[] moves = [.. script.Records.OfType<MouseRecord>()];
        FrameRecord written = script.Records.OfType<FrameRecord>().Single();
        Assert.True(written.MonotonicNanoseconds > moves[0].MonotonicNanoseconds && written.MonotonicNanoseconds < moves[1].MonotonicNanoseconds);
        var locator = new OffsetLocator(7, 0);

        MemorySink sink = MemorySink.Translate(script.Records, locator: locator);

        (long frame, int estimateX, int _) = Assert.Single(locator.Searches);
        Assert.Equal(written.MonotonicNanoseconds, frame);
        Assert.Equal(960 + 20, estimateX);
        EventRow down = sink.Events.Single(row => row.Action == "click" && row.Pressed == true);
        Assert.Equal(960 + 120 + 7, down.X);
    }

    [Fact]
    public void In_absolute_mode_rows_carry_the_recorded_position_and_no_frame_is_searched()
    {
        RecordScript script = new RecordScript()
            .Frame(width: Width, height: Height)
            .Wait(10).Mouse(MouseButtons.None, dx: 10)
            .Mouse(MouseButtons.None, dx: 5).Position(1500, 200)
            .Mouse(MouseButtons.None, dx: 1)
            .Mouse(MouseButtons.Left)
            .Mouse(MouseButtons.None)
            .Marker(MarkerKind.DroppedEvents, 3, 1)
            .Mouse(MouseButtons.None, dx: 10);
        var locator = new OffsetLocator(7, 0);

        MemorySink sink = MemorySink.Translate(script.Records, locator: locator);

        Assert.Empty(locator.Searches);
        Assert.Equal(
            [
                ("move", 970, 540, CoordinateSource.Estimated),
                ("move", 1500, 200, CoordinateSource.Absolute),
                ("move", 1500, 200, CoordinateSource.Absolute),
                ("click", 1500, 200, CoordinateSource.Absolute),
                ("click", 1500, 200, CoordinateSource.Absolute),
                ("move", 1510, 200, CoordinateSource.Estimated),
            ],
            sink.Events.Select(row => (row.Action, row.X!.Value, row.Y!.Value, row.CoordinateSource!)));
        Assert.All(sink.Events, row => Assert.Null(row.CorrectionX));
        StepRow click = sink.Steps.Single(step => step.Action == "click");
        Assert.Equal((CoordinateSource.Absolute, Math.Round(1500.0 / Width, 4), Math.Round(200.0 / Height, 4)), (click.CoordinateSource, click.X, click.Y));
    }

    /// <summary>Finds the pointer a fixed offset from wherever it is asked to look, and remembers each search.</summary>
    [Fact]
    public void A_match_near_the_estimate_wins_over_a_farther_one_that_scores_better()
    {
        // Before any fix the search radius is the largest (900 px). An arrow-like place 300 px from the estimate scores
        // better than the pointer 80 px from it: searched whole at once, the far place won and the wrong correction
        // carried into the presses after it.
        RecordScript script = PressAfterMotion();
        var locator = new PlacesLocator([(1460 + 80, 540, Score: 12), (1460 + 300, 540, Score: 2)]);

        MemorySink sink = MemorySink.Translate(script.Records, locator: locator);

        EventRow down = sink.Events.Single(row => row.Action == "click" && row.Pressed == true);
        Assert.Equal((80, 0), (down.CorrectionX, down.CorrectionY));
        Assert.Equal((1460 + 80, 540), (down.X, down.Y));
        Assert.Equal([64, 128], locator.Radii);
    }

    [Fact]
    public void Without_a_match_near_the_estimate_the_search_widens_to_the_full_radius()
    {
        RecordScript script = PressAfterMotion();
        var locator = new PlacesLocator([(1460 - 300, 540, Score: 5)]);

        MemorySink sink = MemorySink.Translate(script.Records, locator: locator);

        EventRow down = sink.Events.Single(row => row.Action == "click" && row.Pressed == true);
        Assert.Equal((-300, 0), (down.CorrectionX, down.CorrectionY));
        // Each window twice the last, until one holds a match.
        Assert.Equal([64, 128, 256, 512], locator.Radii);
    }

    /// <summary>500 counts to the right (the estimate at x = 1460), a frame, then a left click.</summary>
    private static RecordScript PressAfterMotion() => new RecordScript()
        .Mouse(MouseButtons.None, dx: 250)
        .Mouse(MouseButtons.None, dx: 250)
        .Frame(width: Width, height: Height)
        .Wait(10).Mouse(MouseButtons.Left)
        .Mouse(MouseButtons.None);

    /// <summary>Arrow-like places at fixed positions: within a window, the best score wins, as in the real locator.</summary>
    private sealed class PlacesLocator(IReadOnlyList<(int X, int Y, double Score)> places) : IPointerLocator
    {
        public List<int> Radii { get; } = [];

        public bool TryLocate(FrameReference frame, double frameScale, int estimateX, int estimateY, int radius, int searchedRadius, out int foundX, out int foundY)
        {
            Radii.Add(radius);
            (int X, int Y, double Score)? best = null;
            foreach ((int x, int y, double score) in places)
            {
                bool searchedBefore = Math.Abs(x - estimateX) <= searchedRadius && Math.Abs(y - estimateY) <= searchedRadius;
                if (!searchedBefore && Math.Abs(x - estimateX) <= radius && Math.Abs(y - estimateY) <= radius && (best is null || score < best.Value.Score))
                {
                    best = (x, y, score);
                }
            }

            (foundX, foundY) = best is { } found ? (found.X, found.Y) : (0, 0);
            return best is not null;
        }
    }

    private sealed class OffsetLocator(int offsetX, int offsetY) : IPointerLocator
    {
        public List<(long Frame, int EstimateX, int EstimateY)> Searches { get; } = [];

        public bool TryLocate(FrameReference frame, double frameScale, int estimateX, int estimateY, int radius, int searchedRadius, out int foundX, out int foundY)
        {
            Searches.Add((frame.TimeNanoseconds, estimateX, estimateY));
            foundX = estimateX + offsetX;
            foundY = estimateY + offsetY;
            return true;
        }
    }
}
