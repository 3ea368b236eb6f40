using EdgeCapture.Input;
using EdgeCapture.Privacy;
using EdgeCapture.Video;

namespace EdgeCapture.Recording.Recorder;

/// <summary>What the pending gate hands on: items whose instant the privacy gate said is recordable, in arrival order.</summary>
internal interface IGatedItemTarget
{
    /// <summary>An input event the gate let through.</summary>
    void AcceptEvent(in InputTapEvent inputEvent);

    /// <summary>A frame or capture marker the gate let through; the target owns (and disposes) it.</summary>
    void AcceptCapture(CaptureRecord record);
}

/// <summary>
/// The recorder's first stage, the home of "The switch wins" inside the recorder: every input event and capture record is
/// asked about by its timestamp. Not recordable is dropped on the spot (counted, frames released); pending (public but not
/// confirmed yet) is held, in order, and asked about again; recordable goes on to the target. Once something is held, later
/// items queue behind it, so the order never changes. Nothing held is in a segment yet.
/// </summary>
internal sealed class PendingGate : IDisposable
{
    private readonly IPrivacyGate _gate;
    private readonly RecorderCounters _counters;
    private readonly int _frameCapacity;
    private readonly InputTapEvent[] _events;
    private readonly Queue<CaptureRecord> _captures = new();
    private int _head;
    private int _count;

    public PendingGate(IPrivacyGate gate, int eventCapacity, int frameCapacity, RecorderCounters counters)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(eventCapacity);
        _gate = gate;
        _counters = counters;
        _frameCapacity = frameCapacity;
        _events = new InputTapEvent[eventCapacity];
    }

    /// <summary>Input events held.</summary>
    public int PendingEventCount => _count;

    /// <summary>Capture records held.</summary>
    public int PendingCaptureCount => _captures.Count;

    public void OfferEvent(in InputTapEvent inputEvent, IGatedItemTarget target)
    {
        if (_count > 0)
        {
            HoldEvent(inputEvent);
            DrainEvents(target);
            return;
        }

        switch (_gate.Decide(inputEvent.MonotonicNanoseconds))
        {
            case GateDecision.Recordable:
                target.AcceptEvent(inputEvent);
                break;
            case GateDecision.Pending:
                HoldEvent(inputEvent);
                break;
            default:
                _counters.EventsGated++;
                break;
        }
    }

    public void OfferCapture(CaptureRecord record, IGatedItemTarget target)
    {
        if (_captures.Count > 0)
        {
            HoldCapture(record);
            DrainCaptures(target);
            return;
        }

        switch (_gate.Decide(record.MonotonicNanoseconds))
        {
            case GateDecision.Recordable:
                target.AcceptCapture(record);
                break;
            case GateDecision.Pending:
                HoldCapture(record);
                break;
            default:
                GateOut(record);
                break;
        }
    }

    /// <summary>Asks again about everything held, oldest first, until the first item still pending.</summary>
    public void Drain(IGatedItemTarget target)
    {
        DrainEvents(target);
        DrainCaptures(target);
    }

    /// <summary>Stop: what is still held could not be confirmed public and is not recorded.</summary>
    public void RefuseAll()
    {
        _counters.EventsGated += _count;
        ClearEvents();
        while (_captures.TryDequeue(out CaptureRecord? held))
        {
            GateOut(held);
        }
    }

    /// <summary>Forget: everything held is recent and inside the window; dropped (zeroed), counted as forgotten.</summary>
    public void Forget()
    {
        _counters.EventsForgotten += _count;
        ClearEvents();
        while (_captures.TryDequeue(out CaptureRecord? held))
        {
            _counters.FramesDropped += held is CapturedFrame ? 1 : 0;
            Release(held);
        }
    }

    public void Dispose()
    {
        ClearEvents();
        while (_captures.TryDequeue(out CaptureRecord? held))
        {
            Release(held);
        }
    }

    /// <summary>Disposes a frame the recorder will not keep; markers hold nothing.</summary>
    public static void Release(CaptureRecord record)
    {
        if (record is CapturedFrame frame)
        {
            frame.Dispose();
        }
    }

    private void ClearEvents()
    {
        Array.Clear(_events);
        _count = 0;
        _head = 0;
    }

    private void HoldEvent(in InputTapEvent inputEvent)
    {
        if (_count == _events.Length)
        {
            _counters.EventsDroppedByRecorder++;
            return;
        }

        _events[(_head + _count) % _events.Length] = inputEvent;
        _count++;
    }

    private void DrainEvents(IGatedItemTarget target)
    {
        while (_count > 0)
        {
            ref InputTapEvent head = ref _events[_head];
            GateDecision decision = _gate.Decide(head.MonotonicNanoseconds);
            if (decision == GateDecision.Pending)
            {
                return;
            }

            InputTapEvent item = head;
            head = default;
            _head = (_head + 1) % _events.Length;
            _count--;
            if (decision == GateDecision.Recordable)
            {
                target.AcceptEvent(item);
            }
            else
            {
                _counters.EventsGated++;
            }
        }
    }

    private void HoldCapture(CaptureRecord record)
    {
        if (_captures.Count >= _frameCapacity)
        {
            _counters.FramesDropped += record is CapturedFrame ? 1 : 0;
            Release(record);
            return;
        }

        _captures.Enqueue(record);
    }

    private void DrainCaptures(IGatedItemTarget target)
    {
        while (_captures.TryPeek(out CaptureRecord? head))
        {
            GateDecision decision = _gate.Decide(head.MonotonicNanoseconds);
            if (decision == GateDecision.Pending)
            {
                return;
            }

            _captures.Dequeue();
            if (decision == GateDecision.Recordable)
            {
                target.AcceptCapture(head);
            }
            else
            {
                GateOut(head);
            }
        }
    }

    private void GateOut(CaptureRecord record)
    {
        if (record is CapturedFrame)
        {
            _counters.FramesGated++;
        }

        Release(record);
    }
}
