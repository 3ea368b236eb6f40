namespace EdgeCapture.Dataset.Timeline;

/// <summary>
/// The pointer estimate's recent past by time, so a press can be corrected from a frame around the estimate at that frame's
/// own time. The recorder writes records in the order its gates admit them: a frame can be written before mouse records
/// stamped earlier than it, or after ones stamped later, so "the estimate when the frame record was read" is not the
/// estimate when it was captured. Mouse records come in time order; a point is kept for each, for <see cref="Horizon"/>.
/// </summary>
internal sealed class EstimateTrail
{
    private readonly List<Point> _points = [];
    private int _first;

    /// <summary>How far back the trail reaches (the oldest frame a press may be corrected from, plus a margin).</summary>
    public long Horizon { get; init; } = TimeSpan.FromSeconds(3).Ticks * 100;

    /// <summary>Forgets everything: the estimate is <paramref name="x"/>, <paramref name="y"/> from the beginning of time.</summary>
    public void Reset(double x, double y, int searchRadius)
    {
        _points.Clear();
        _first = 0;
        _points.Add(new Point(long.MinValue, x, y, searchRadius));
    }

    /// <summary>The estimate after the mouse record at <paramref name="time"/> (at or after every earlier one).</summary>
    public void Add(long time, double x, double y, int searchRadius)
    {
        _points.Add(new Point(time, x, y, searchRadius));

        // Keep the last point at or before the horizon: it is the estimate that held there.
        while (_first + 1 < _points.Count && _points[_first + 1].Time <= time - Horizon)
        {
            _first++;
        }

        if (_first > 1024 && _first > _points.Count / 2)
        {
            _points.RemoveRange(0, _first);
            _first = 0;
        }
    }

    /// <summary>The estimate at <paramref name="time"/>: after the last mouse record stamped at or before it.</summary>
    public (double X, double Y, int SearchRadius) At(long time)
    {
        for (int index = _points.Count - 1; index > _first; index--)
        {
            if (_points[index].Time <= time)
            {
                return (_points[index].X, _points[index].Y, _points[index].SearchRadius);
            }
        }

        Point oldest = _points[_first];
        return (oldest.X, oldest.Y, oldest.SearchRadius);
    }

    /// <summary>A press found the estimate off by this much at an earlier instant: the whole remembered trail moves with it.</summary>
    public void Shift(double offsetX, double offsetY, int screenWidth, int screenHeight)
    {
        for (int index = _first; index < _points.Count; index++)
        {
            Point point = _points[index];
            _points[index] = point with
            {
                X = Math.Clamp(point.X + offsetX, 0, screenWidth - 1),
                Y = Math.Clamp(point.Y + offsetY, 0, screenHeight - 1),
            };
        }
    }

    private readonly record struct Point(long Time, double X, double Y, int SearchRadius);
}
