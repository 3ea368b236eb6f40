namespace EdgeCapture.Relay;

/// <summary>A fixed ring of equal-length reports (preallocated; no allocation per report). Not thread-safe: callers lock.</summary>
internal sealed class ReportQueue
{
    private readonly byte[] _reports;
    private readonly int _reportLength;
    private int _head;

    public ReportQueue(int reportLength, int capacity)
    {
        _reportLength = reportLength;
        Capacity = capacity;
        _reports = new byte[reportLength * capacity];
    }

    public int Capacity { get; }

    public int Count { get; private set; }

    public bool TryEnqueue(ReadOnlySpan<byte> report)
    {
        if (Count == Capacity)
        {
            return false;
        }

        report[.._reportLength].CopyTo(_reports.AsSpan((_head + Count) % Capacity * _reportLength, _reportLength));
        Count++;
        return true;
    }

    public bool TryDequeue(Span<byte> report)
    {
        if (Count == 0)
        {
            return false;
        }

        _reports.AsSpan(_head * _reportLength, _reportLength).CopyTo(report);
        _head = (_head + 1) % Capacity;
        Count--;
        return true;
    }

    public void Clear()
    {
        _head = 0;
        Count = 0;
    }
}

/// <summary>
/// Mouse state to report: the buttons held and the motion accumulated while they were held. In absolute pointer mode
/// <see cref="IsAbsolute"/> is set, the deltas stay 0 and <see cref="X"/>/<see cref="Y"/> carry the newest position
/// (every absolute report carries it; <see cref="HasPosition"/> says it changed since the last report written).
/// </summary>
internal struct MouseMotion
{
    public byte Buttons;
    public long DeltaX;
    public long DeltaY;
    public long Wheel;
    public long Pan;
    public bool IsAbsolute;
    public bool HasPosition;
    public ushort X;
    public ushort Y;

    public readonly bool HasMotion => DeltaX != 0 || DeltaY != 0 || Wheel != 0 || Pan != 0 || HasPosition;

    public void Add(in MouseMotion other)
    {
        DeltaX += other.DeltaX;
        DeltaY += other.DeltaY;
        Wheel += other.Wheel;
        Pan += other.Pan;
        if (other.IsAbsolute)
        {
            IsAbsolute = true;
            HasPosition |= other.HasPosition;
            X = other.X;
            Y = other.Y;
        }
    }
}

/// <summary>
/// Mouse entries, one per button state: motion reported while the buttons stay the same merges into the newest entry,
/// so the queue only grows with button transitions. Not thread-safe: callers lock.
/// </summary>
internal sealed class MouseQueue
{
    private readonly MouseMotion[] _entries;
    private int _head;

    public MouseQueue(int capacity)
    {
        _entries = new MouseMotion[capacity];
    }

    public int Capacity => _entries.Length;

    public int Count { get; private set; }

    /// <summary>Adds motion and the current buttons; merges into the newest entry when the buttons did not change.</summary>
    public bool TryAdd(in MouseMotion motion, bool buttonsChanged)
    {
        if (Count > 0 && !buttonsChanged)
        {
            ref MouseMotion tail = ref _entries[(_head + Count - 1) % _entries.Length];
            if (tail.Buttons == motion.Buttons)
            {
                tail.Add(motion);
                return true;
            }
        }

        if (Count == _entries.Length)
        {
            return false;
        }

        _entries[(_head + Count) % _entries.Length] = motion;
        Count++;
        return true;
    }

    public bool TryPeek(out MouseMotion motion)
    {
        motion = Count == 0 ? default : _entries[_head];
        return Count > 0;
    }

    public bool TryDequeue(out MouseMotion motion)
    {
        if (!TryPeek(out motion))
        {
            return false;
        }

        _head = (_head + 1) % _entries.Length;
        Count--;
        return true;
    }

    /// <summary>Empties the queue and returns the sum of the motion it held.</summary>
    public MouseMotion Clear()
    {
        var total = default(MouseMotion);
        while (TryDequeue(out MouseMotion motion))
        {
            total.Add(motion);
        }

        _head = 0;
        return total;
    }
}
