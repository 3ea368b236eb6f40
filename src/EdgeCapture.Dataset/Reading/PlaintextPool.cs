using System.Security.Cryptography;
using EdgeCapture.Dataset.Timeline;

namespace EdgeCapture.Dataset.Reading;

/// <summary>
/// One decrypted segment's plaintext, in a buffer of <see cref="PlaintextPool"/>. Its frames are slices of it; each
/// release to the pool advances <see cref="Generation"/>, and a frame made in an earlier generation refuses to be read
/// (<see cref="FrameReference.Jpeg"/>), so a frame that outlived its buffer fails loudly instead of showing the next
/// segment's bytes.
/// </summary>
internal sealed class SegmentPlaintext
{
    private int _generation;

    internal SegmentPlaintext(byte[] buffer) => Buffer = buffer;

    /// <summary>The buffer; the segment's plaintext is its first <see cref="Length"/> bytes.</summary>
    public byte[] Buffer { get; }

    /// <summary>How many bytes of <see cref="Buffer"/> the segment's plaintext fills.</summary>
    public int Length { get; internal set; }

    /// <summary>Advances on every release: frames remember the generation they were made in.</summary>
    public int Generation => Volatile.Read(ref _generation);

    /// <summary>The plaintext as decoded.</summary>
    public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, Length);

    internal void Invalidate() => Interlocked.Increment(ref _generation);
}

/// <summary>
/// The export's plaintext buffers, reused segment after segment. Without it every segment was a new large object of
/// several MiB that died young; the GC raised its large-object budget instead of collecting, and the heap grew towards
/// its bound, 70% of it garbage. A translated segment's buffer goes back to the pool as soon as no frame still held
/// (<see cref="SessionTranslator.HeldFrames"/>: the recent frames, the frames open steps began on) is a slice of it; past
/// <see cref="MaximumHeldSegments"/> such segments, the oldest one's held frames are copied out and its buffer released,
/// so what the pool holds is bounded whatever the session's length. <see cref="Rent"/> and <see cref="Refused"/> are called
/// by the reading stage, the rest by the writing stage; the buffer lists they share are locked.
/// </summary>
internal sealed class PlaintextPool : IDisposable
{
    /// <summary>Translated segments whose buffers may stay out of the pool because frames still held are slices of them.</summary>
    public const int MaximumHeldSegments = 2;

    /// <summary>Buffers are sized in steps of this much, so segments of slightly different lengths share them.</summary>
    private const int Granularity = 1 << 20;

    private const int MaximumFree = 2;

    private readonly Lock _lock = new();
    private readonly Stack<SegmentPlaintext> _free = new();
    private readonly List<SegmentPlaintext> _rented = [];
    private readonly List<SegmentPlaintext> _translated = [];
    private readonly HashSet<SegmentPlaintext> _pinned = [];
    private bool _disposed;

    /// <summary>Buffers allocated, for the tests and the benchmark (reuse keeps it at a handful).</summary>
    public int Allocated { get; private set; }

    /// <summary>A buffer of at least <paramref name="capacity"/> bytes.</summary>
    public SegmentPlaintext Rent(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            SegmentPlaintext? plaintext = null;
            while (_free.TryPop(out SegmentPlaintext? candidate))
            {
                if (candidate.Buffer.Length >= capacity)
                {
                    plaintext = candidate;
                    break;
                }

                // Too small for this segment: let it go rather than keep a buffer no later segment may fit.
                CryptographicOperations.ZeroMemory(candidate.Buffer);
            }

            if (plaintext is null)
            {
                long rounded = ((long)capacity + Granularity - 1) / Granularity * Granularity;
                plaintext = new SegmentPlaintext(GC.AllocateUninitializedArray<byte>((int)Math.Min(Array.MaxLength, Math.Max(rounded, 1))));
                Allocated++;
            }

            plaintext.Length = 0;
            _rented.Add(plaintext);
            return plaintext;
        }
    }

    /// <summary>Takes back a buffer whose segment was refused: what was decrypted into it is zeroed.</summary>
    public void Refused(SegmentPlaintext plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        CryptographicOperations.ZeroMemory(plaintext.Buffer.AsSpan(0, plaintext.Length));
        Release(plaintext);
    }

    /// <summary>The segment in <paramref name="plaintext"/> has been translated: its buffer is free once no held frame needs it.</summary>
    public void Translated(SegmentPlaintext plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        _translated.Add(plaintext);
    }

    /// <summary>
    /// Releases every translated segment no frame of <paramref name="held"/> is a slice of. Past
    /// <see cref="MaximumHeldSegments"/> still needed, the oldest one's held frames are copied out
    /// (<see cref="FrameReference.Keep"/>) and it is released too.
    /// </summary>
    public void ReleaseUnreferenced(IEnumerable<FrameReference> held)
    {
        ArgumentNullException.ThrowIfNull(held);
        _pinned.Clear();
        foreach (FrameReference frame in held)
        {
            if (frame.Owner is { } owner)
            {
                _pinned.Add(owner);
            }
        }

        for (int index = 0; index < _translated.Count; index++)
        {
            SegmentPlaintext plaintext = _translated[index];
            bool needed = _pinned.Contains(plaintext);
            if (needed && _translated.Count - index > MaximumHeldSegments)
            {
                foreach (FrameReference frame in held)
                {
                    if (ReferenceEquals(frame.Owner, plaintext))
                    {
                        frame.Keep();
                    }
                }

                needed = false;
            }

            if (!needed)
            {
                _translated.RemoveAt(index);
                index--;
                Release(plaintext);
            }
        }
    }

    /// <summary>Zeroes every buffer, rented or free: nothing decrypted outlives the export in this pool.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (SegmentPlaintext plaintext in _rented.Concat(_free))
            {
                plaintext.Invalidate();
                CryptographicOperations.ZeroMemory(plaintext.Buffer);
            }

            _rented.Clear();
            _free.Clear();
            _translated.Clear();
        }
    }

    private void Release(SegmentPlaintext plaintext)
    {
        lock (_lock)
        {
            // Frames made from it stop reading before anything else is written into it.
            plaintext.Invalidate();
            if (!_rented.Remove(plaintext) || _disposed)
            {
                return;
            }

            if (_free.Count < MaximumFree)
            {
                _free.Push(plaintext);
            }
            else
            {
                CryptographicOperations.ZeroMemory(plaintext.Buffer);
            }
        }
    }
}
