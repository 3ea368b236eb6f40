using EdgeCapture.Hid;
using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;

namespace EdgeCapture.Relay;

/// <content>
/// The reader side's mouse: a device's accumulated frame (motion, wheel, pan, buttons) becomes gadget mouse reports,
/// written directly when nothing is pending or coalesced into the mouse queue, in relative or absolute pointer mode.
/// </content>
internal sealed partial class HidRelay
{
    /// <summary>The mouse state to send with nothing moved: the buttons, and in absolute mode the current position (under <see cref="_gate"/>).</summary>
    private MouseMotion CurrentMouseLocked(byte buttons) =>
        new() { Buttons = buttons, IsAbsolute = _pointer is not null, HasPosition = _pointer is not null, X = _pointerX, Y = _pointerY };
    private void CommitMouseFrame(DeviceState state, EvdevDevice device, long timestampNanoseconds)
    {
        var motion = new MouseMotion { DeltaX = state.DeltaX, DeltaY = state.DeltaY };
        if (_pointer is not null)
        {
            // Absolute pointer: the box integrates the motion into the position on the captured screen and sends that.
            bool moved = _pointer.Move(state.DeltaX, state.DeltaY, timestampNanoseconds);
            motion.DeltaX = 0;
            motion.DeltaY = 0;
            motion.IsAbsolute = true;
            motion.HasPosition = moved;
            motion.X = _pointer.LogicalX;
            motion.Y = _pointer.LogicalY;
            if (moved)
            {
                // What the recorder sees: the exact position, as EV_ABS in screen pixels, in the frame that moved it.
                _tap?.TryOffer(new InputTapEvent(timestampNanoseconds, device.Id, device.Kind, EventTypes.Absolute, AbsoluteAxes.X, _pointer.X));
                _tap?.TryOffer(new InputTapEvent(timestampNanoseconds, device.Id, device.Kind, EventTypes.Absolute, AbsoluteAxes.Y, _pointer.Y));
            }
        }

        if (state.UsesHighResolutionWheel)
        {
            // 120 units per detent; the remainder waits for the next frame. REL_WHEEL is then ignored: it repeats the same turn.
            state.WheelRemainder += state.WheelHighResolution;
            motion.Wheel = state.WheelRemainder / RelativeAxes.HighResolutionUnitsPerDetent;
            state.WheelRemainder -= motion.Wheel * RelativeAxes.HighResolutionUnitsPerDetent;
        }
        else
        {
            motion.Wheel = state.Wheel;
        }

        if (state.UsesHighResolutionPan)
        {
            state.PanRemainder += state.PanHighResolution;
            motion.Pan = state.PanRemainder / RelativeAxes.HighResolutionUnitsPerDetent;
            state.PanRemainder -= motion.Pan * RelativeAxes.HighResolutionUnitsPerDetent;
        }
        else
        {
            motion.Pan = state.Pan;
        }

        bool buttonsChanged = state.ButtonsChanged;
        state.ClearFrame();
        if (!motion.HasMotion && !buttonsChanged)
        {
            return;
        }

        if (_hostAway)
        {
            // Motion made at an absent host is dropped; the buttons held are re-sent on return.
            if (buttonsChanged)
            {
                NoteTransitionWhileAway(press: false);
            }
            else
            {
                Interlocked.Increment(ref Counters.MotionFramesDroppedField);
                _hostCheckRequested = true;
                _wakeAtFrameEnd = true;
            }

            return;
        }

        lock (_gate)
        {
            motion.Buttons = _buttons;
            if (motion.IsAbsolute)
            {
                _pointerX = motion.X;
                _pointerY = motion.Y;
            }

            if (TryWriteMouseDirectLocked(motion))
            {
                return;
            }

            if (!_mouseQueue.TryAdd(motion, buttonsChanged))
            {
                Interlocked.Increment(ref Counters.QueueOverflowsField);
                RelayLog.QueueOverflow(_logger, _mouseEndpoint.Name, _mouseQueue.Capacity);
                MouseMotion total = _mouseQueue.Clear();
                total.Add(motion);
                total.Buttons = 0;
                _mouseQueue.TryAdd(total, buttonsChanged: true);
                _mouseQueue.TryAdd(CurrentMouseLocked(_buttons), buttonsChanged: true);
            }
        }

        _wakeAtFrameEnd = true;
    }

    /// <summary>The mouse fast path, as <see cref="SubmitLocked"/>: only when nothing is pending and the motion fits one report.</summary>
    private bool TryWriteMouseDirectLocked(in MouseMotion motion)
    {
        Endpoint endpoint = _mouseEndpoint;
        if (_mouseQueue.Count != 0 || endpoint.Device is null
            || motion.DeltaX is < MouseReport.MinimumDelta or > MouseReport.MaximumDelta
            || motion.DeltaY is < MouseReport.MinimumDelta or > MouseReport.MaximumDelta
            || motion.Wheel is < MouseReport.MinimumWheel or > MouseReport.MaximumWheel
            || motion.Pan is < MouseReport.MinimumWheel or > MouseReport.MaximumWheel
            || !endpoint.WriteLock.TryEnter())
        {
            return false;
        }

        try
        {
            if (endpoint.State != EndpointState.Ready || _hasPendingMouse)
            {
                return false;
            }

            Span<byte> report = stackalloc byte[MouseReport.ReportLength];
            if (motion.IsAbsolute)
            {
                AbsolutePointerReport.Write(report, motion.Buttons, motion.X, motion.Y, (sbyte)motion.Wheel, (sbyte)motion.Pan);
            }
            else
            {
                MouseReport.Write(report, motion.Buttons, (short)motion.DeltaX, (short)motion.DeltaY, (sbyte)motion.Wheel, (sbyte)motion.Pan);
            }

            if (endpoint.Device.Write(report) == report.Length)
            {
                endpoint.IsStalled = false;
                Interlocked.Increment(ref Counters.MouseReportsField);
            }
            else
            {
                // The writer retries it as the report in progress.
                _pendingMouse = motion;
                _hasPendingMouse = true;
                _wakeAtFrameEnd = true;
            }

            return true;
        }
        finally
        {
            endpoint.WriteLock.Exit();
        }
    }

    /// <summary>Per-device frame accumulation (reader thread only).</summary>
    private sealed class DeviceState
    {
        public long DeltaX;
        public long DeltaY;
        public long Wheel;
        public long Pan;
        public long WheelHighResolution;
        public long PanHighResolution;
        public long WheelRemainder;
        public long PanRemainder;
        public bool UsesHighResolutionWheel;
        public bool UsesHighResolutionPan;
        public bool HasFrameData;
        public bool ButtonsChanged;

        public void ClearFrame()
        {
            DeltaX = 0;
            DeltaY = 0;
            Wheel = 0;
            Pan = 0;
            WheelHighResolution = 0;
            PanHighResolution = 0;
            HasFrameData = false;
            ButtonsChanged = false;
        }
    }
}
