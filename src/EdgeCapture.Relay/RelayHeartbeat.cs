namespace EdgeCapture.Relay;

/// <summary>How often each of the relay's two threads has come round its loop (see <see cref="RelayService.Heartbeat"/>).</summary>
/// <param name="ReaderPasses">Passes of the evdev reader thread.</param>
/// <param name="WriterPasses">Passes of the HID gadget writer thread.</param>
public readonly record struct RelayHeartbeat(long ReaderPasses, long WriterPasses)
{
    /// <summary>True when both threads came round since <paramref name="earlier"/>: the relay is alive.</summary>
    /// <param name="earlier">A heartbeat read before the wake.</param>
    /// <returns>Whether both loops moved.</returns>
    public bool BothMovedSince(RelayHeartbeat earlier) => ReaderPasses > earlier.ReaderPasses && WriterPasses > earlier.WriterPasses;
}
