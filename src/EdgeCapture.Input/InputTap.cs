using System.Threading.Channels;

namespace EdgeCapture.Input;

/// <summary>
/// The recording tap: a bounded channel that the relay offers every relayed event to, without ever waiting.
/// When the recorder falls behind and the channel is full, the newest event is dropped for recording
/// (never for relaying) and counted in <see cref="DroppedEventCount"/>.
/// </summary>
public sealed class InputTap
{
    private readonly Channel<InputTapEvent> _channel;
    private long _droppedEventCount;

    /// <summary>Creates a tap holding at most <paramref name="capacity"/> events not yet read by the recorder.</summary>
    /// <param name="capacity">Maximum number of buffered events; must be positive.</param>
    public InputTap(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        _channel = Channel.CreateBounded<InputTapEvent>(new BoundedChannelOptions(capacity)
        {
            // DropWrite: a full tap refuses the newest event; TryWrite then reports false and we count it.
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = false,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        },
        OnItemDropped);
    }

    /// <summary>Maximum number of buffered events.</summary>
    public int Capacity { get; }

    /// <summary>Events refused because the tap was full (or completed); they were relayed but not recorded.</summary>
    public long DroppedEventCount => Interlocked.Read(ref _droppedEventCount);

    /// <summary>The recorder's side of the tap.</summary>
    public ChannelReader<InputTapEvent> Reader => _channel.Reader;

    /// <summary>Offers one event; never blocks. Returns false (and counts a drop) when the tap is full or completed.</summary>
    /// <param name="inputEvent">The relayed event.</param>
    /// <returns>True when the event was buffered for the recorder (exact with one writer, as in the relay).</returns>
    public bool TryOffer(in InputTapEvent inputEvent)
    {
        // With DropWrite, BoundedChannel.TryWrite returns true even when it drops the item; the drop is
        // reported through the itemDropped callback instead, which is where full-tap drops are counted.
        long droppedBefore = Interlocked.Read(ref _droppedEventCount);
        if (!_channel.Writer.TryWrite(inputEvent))
        {
            // Completed: the recorder is gone.
            Interlocked.Increment(ref _droppedEventCount);
            return false;
        }

        return Interlocked.Read(ref _droppedEventCount) == droppedBefore;
    }

    private void OnItemDropped(InputTapEvent droppedEvent) => Interlocked.Increment(ref _droppedEventCount);

    /// <summary>Marks the tap finished: the recorder drains what is buffered and then sees completion.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
