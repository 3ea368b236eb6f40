using EdgeCapture.Hid;
using EdgeCapture.Relay.Gadget;

namespace EdgeCapture.Relay;

/// <content>One gadget endpoint as the writer sees it: its device, its one report in flight, its state.</content>
internal sealed partial class HidRelay
{
    private enum EndpointState
    {
        Ready,
        Blocked,
        Shutdown,
    }

    /// <summary>One gadget endpoint as the writer thread sees it.</summary>
    private sealed class Endpoint(string name, IHidGadgetEndpoint? device, int reportLength)
    {
        public string Name { get; } = name;

        /// <summary>Replaced (under <see cref="WriteLock"/>) when the gadget is rebuilt.</summary>
        public IHidGadgetEndpoint? Device { get; set; } = device;

        /// <summary>True when an endpoint was configured at all (a missing one is never reopened).</summary>
        public bool WasOpened { get; } = device is not null;

        /// <summary>The descriptor failed with ENODEV/EBADF: reopen it.</summary>
        public bool IsBroken { get; set; }

        /// <summary>An EAGAIN stall is running since <see cref="BlockedSince"/> (a TimeProvider timestamp).</summary>
        public bool IsStalled { get; set; }

        public long BlockedSince { get; set; }

        /// <summary>This endpoint's re-send of the held state has not been taken yet (writer thread only).</summary>
        public bool ProbePending { get; set; }

        public EndpointState State { get; set; }

        /// <summary>The report in flight (dequeued, not yet taken by the host).</summary>
        public byte[] Report { get; } = new byte[Math.Max(reportLength, KeyboardReportBuilder.ReportLength)];

        public int ReportLength { get; } = reportLength;

        public bool HasReport { get; set; }

        /// <summary>Held by whichever thread writes to this endpoint; guards <see cref="State"/>, <see cref="HasReport"/> and <see cref="Report"/>.
        /// The reader thread only ever tries it.</summary>
        public Lock WriteLock { get; } = new();

        public bool IsInactive => Device is null || State == EndpointState.Shutdown;
    }
}
