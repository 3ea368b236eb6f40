// Long (about 520 lines) because it is one state machine, the mirror of AgeDecryptingStream: header, stanzas and
// MAC, then STREAM chunks with the nonce counter and the last-chunk rule, with armor.
using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using NSec.Cryptography;

namespace EdgeCapture.Crypto;

/// <summary>
/// A write-only stream that encrypts everything written to it into an age v1 file for one or more X25519
/// recipients. Memory is constant whatever the size: plaintext is buffered one batch of 64 KiB chunks at a time,
/// because a chunk can only be sealed once it is known whether it is the last one.
/// </summary>
/// <remarks>
/// The header is written when the stream is created. <see cref="Complete"/> seals the final chunk and, when
/// armoring, writes the END line; <see cref="Stream.Dispose()"/> does the same if it was not called, unless a write
/// to the output failed earlier (then the file is left unsealed and readers reject it as truncated).
/// Not thread-safe: one writer at a time.
/// </remarks>
public sealed class AgeEncryptingStream : Stream
{
    private const int ChunksPerParallelBatch = 4;

    private readonly Stream _destination;
    private readonly ArmorWriteStream? _armor;
    private readonly Key _payloadKey;
    private readonly bool _leaveOpen;
    private readonly int _parallelism;
    private readonly int _chunksPerBatch;
    private readonly Queue<Batch> _inFlight = new();
    private readonly Stack<Batch> _free = new();
    private readonly int _maxInFlight;
    private Batch _current;
    private ulong _nextChunk;
    private long _plaintextLength;
    private bool _completed;
    private bool _faulted;
    private bool _disposed;

    private AgeEncryptingStream(Stream destination, IReadOnlyList<AgeRecipient> recipients, AgeEncryptionOptions options)
    {
        _destination = destination;
        _leaveOpen = options.LeaveOpen;
        _parallelism = AgeStreamFormat.Parallelism(options.MaxDegreeOfParallelism);
        _chunksPerBatch = _parallelism == 1 ? 1 : ChunksPerParallelBatch;
        _maxInFlight = _parallelism * 2;

        Span<byte> fileKey = stackalloc byte[AgeHeader.FileKeySize];
        Span<byte> payloadNonce = stackalloc byte[AgeStreamFormat.PayloadNonceSize];
        try
        {
            RandomNumberGenerator.Fill(fileKey);
            RandomNumberGenerator.Fill(payloadNonce);
            byte[] header = AgeHeader.Write(fileKey, recipients);
            _payloadKey = AgeStreamFormat.DerivePayloadKey(fileKey, payloadNonce);
            if (options.Armor)
            {
                _armor = new ArmorWriteStream(destination);
            }

            WriteOut(header);
            WriteOut(payloadNonce);
        }
        catch
        {
            _payloadKey?.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fileKey);
        }

        _current = new Batch(_chunksPerBatch);
    }

    /// <summary>Plaintext bytes written so far.</summary>
    public long PlaintextLength => _plaintextLength;

    /// <inheritdoc/>
    public override bool CanRead => false;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => !_completed && !_disposed;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Starts an age file on <paramref name="output"/> encrypted to <paramref name="recipients"/> and returns the
    /// stream to write the plaintext to. The header is written before this returns.
    /// </summary>
    /// <param name="output">Where the encrypted file goes.</param>
    /// <param name="recipients">One or more recipients; any of their identities will open the file.</param>
    /// <param name="options">Armor, parallelism, whether to leave <paramref name="output"/> open; null for defaults.</param>
    /// <returns>The encrypting stream; call <see cref="Complete"/> (or dispose it) to seal the file.</returns>
    /// <exception cref="ArgumentException">No recipient was given.</exception>
    public static AgeEncryptingStream Create(Stream output, IReadOnlyList<AgeRecipient> recipients, AgeEncryptionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(recipients);
        if (recipients.Count == 0)
        {
            throw new ArgumentException("At least one recipient is required.", nameof(recipients));
        }

        if (!output.CanWrite)
        {
            throw new ArgumentException("The output stream is not writable.", nameof(output));
        }

        return new AgeEncryptingStream(output, recipients, options ?? new AgeEncryptionOptions());
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfUnwritable();
        int capacity = _chunksPerBatch * AgeStreamFormat.ChunkSize;
        while (!buffer.IsEmpty)
        {
            // A full batch is sealed only now that more data proves it does not hold the last chunk.
            if (_current.PlaintextLength == capacity)
            {
                Dispatch(isFinal: false);
            }

            int count = Math.Min(buffer.Length, capacity - _current.PlaintextLength);
            buffer[..count].CopyTo(_current.Plaintext.AsSpan(_current.PlaintextLength));
            _current.PlaintextLength += count;
            _plaintextLength += count;
            buffer = buffer[count..];
        }
    }

    /// <inheritdoc/>
    public override void WriteByte(byte value) => Write([value]);

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes out every chunk already sealed; the buffered (possibly last) chunk stays until more data or <see cref="Complete"/>.</summary>
    public override void Flush()
    {
        if (_completed || _disposed || _faulted)
        {
            return;
        }

        DrainInFlight(untilEmpty: true);
        Guard(_destination.Flush);
    }

    /// <summary>
    /// Seals the final chunk and finishes the file (END line when armored), then flushes the output. After this
    /// the file is complete and no more data can be written. Calling it again does nothing.
    /// </summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            return;
        }

        if (_faulted)
        {
            throw new InvalidOperationException("The age file cannot be completed: an earlier write to the output failed.");
        }

        Dispatch(isFinal: true);
        DrainInFlight(untilEmpty: true);
        if (_armor is not null)
        {
            Guard(_armor.Complete);
        }

        Guard(_destination.Flush);
        _completed = true;
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            base.Dispose(disposing);
            return;
        }

        try
        {
            if (!_completed && !_faulted)
            {
                Complete();
            }
        }
        finally
        {
            _disposed = true;
            WaitForWorkers();
            _current.Release();
            while (_inFlight.TryDequeue(out Batch? batch))
            {
                batch.Release();
            }

            while (_free.TryPop(out Batch? batch))
            {
                batch.Release();
            }

            _payloadKey.Dispose();
            if (!_leaveOpen)
            {
                _destination.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private void Dispatch(bool isFinal)
    {
        Batch batch = _current;
        batch.IsFinal = isFinal;
        batch.FirstChunk = _nextChunk;
        _nextChunk += (ulong)batch.ChunkCount;
        if (_parallelism == 1)
        {
            batch.Seal(_payloadKey);
            WriteOut(batch.Ciphertext.AsSpan(0, batch.CiphertextLength));
            batch.PlaintextLength = 0;
            return;
        }

        batch.Schedule(_payloadKey);
        _inFlight.Enqueue(batch);
        if (isFinal)
        {
            // Nothing more will be buffered; Release is idempotent, so _current may stay on the queued batch.
            return;
        }

        DrainInFlight(untilEmpty: false);
        if (!_free.TryPop(out Batch? next))
        {
            next = _inFlight.Count < _maxInFlight ? new Batch(_chunksPerBatch) : WriteOldest();
        }

        _current = next;
    }

    private void DrainInFlight(bool untilEmpty)
    {
        while (_inFlight.TryPeek(out Batch? oldest) && (untilEmpty || oldest.IsSealed))
        {
            _free.Push(WriteOldest());
        }
    }

    private Batch WriteOldest()
    {
        Batch oldest = _inFlight.Dequeue();
        WaitSealed(oldest);
        oldest.SealError?.Throw();
        WriteOut(oldest.Ciphertext.AsSpan(0, oldest.CiphertextLength));
        oldest.PlaintextLength = 0;
        return oldest;
    }

    private void WriteOut(ReadOnlySpan<byte> data)
    {
        try
        {
            if (_armor is not null)
            {
                _armor.Write(data);
            }
            else
            {
                _destination.Write(data);
            }
        }
        catch
        {
            _faulted = true;
            throw;
        }
    }

    private void Guard(Action action)
    {
        try
        {
            action();
        }
        catch
        {
            _faulted = true;
            throw;
        }
    }

    private void WaitForWorkers()
    {
        foreach (Batch batch in _inFlight)
        {
            // A batch no worker has started is withdrawn; one being sealed is waited for (its buffers are in use).
            batch.Withdraw();
        }
    }

    /// <summary>
    /// Waits until <paramref name="oldest"/> is sealed. Rather than sit idle (or spin), the writing thread seals
    /// batches no worker has picked up yet: the oldest first, else a later one.
    /// </summary>
    private void WaitSealed(Batch oldest)
    {
        while (!oldest.IsSealed)
        {
            if (oldest.TrySealHere())
            {
                return;
            }

            bool helped = false;
            foreach (Batch later in _inFlight)
            {
                if (later.TrySealHere())
                {
                    helped = true;
                    break;
                }
            }

            if (!helped)
            {
                oldest.WaitUntilSealed();
                return;
            }
        }
    }

    private void ThrowIfUnwritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("The age file is already complete.");
        }

        if (_faulted)
        {
            throw new InvalidOperationException("The age file cannot be written: an earlier write to the output failed.");
        }
    }

    /// <summary>A run of consecutive chunks sealed together (by one worker, a thread-pool work item, when parallel).</summary>
    private sealed class Batch : IThreadPoolWorkItem
    {
        private const int Idle = 0;
        private const int Queued = 1;
        private const int Sealing = 2;
        private const int Sealed = 3;

        private readonly int _chunks;
        private readonly object _sealedGate = new();
        private int _state;
        private Key? _scheduledKey;

        public Batch(int chunks)
        {
            _chunks = chunks;
            Plaintext = ArrayPool<byte>.Shared.Rent(chunks * AgeStreamFormat.ChunkSize);
            Ciphertext = ArrayPool<byte>.Shared.Rent(chunks * AgeStreamFormat.EncryptedChunkSize);
        }

        public byte[] Plaintext { get; private set; }

        public byte[] Ciphertext { get; private set; }

        public int PlaintextLength { get; set; }

        public int CiphertextLength { get; private set; }

        public ulong FirstChunk { get; set; }

        public bool IsFinal { get; set; }

        /// <summary>An unexpected failure while sealing, rethrown to the writer.</summary>
        public ExceptionDispatchInfo? SealError { get; private set; }

        public bool IsSealed => Volatile.Read(ref _state) is Sealed or Idle;

        /// <summary>Chunks in this batch; an empty final batch is the single empty chunk of an empty file.</summary>
        public int ChunkCount => PlaintextLength == 0 ? 1 : (PlaintextLength + AgeStreamFormat.ChunkSize - 1) / AgeStreamFormat.ChunkSize;

        /// <summary>Queues the batch to be sealed on the thread pool (or by the writer, whichever comes first).</summary>
        public void Schedule(Key payloadKey)
        {
            _scheduledKey = payloadKey;
            SealError = null;
            Volatile.Write(ref _state, Queued);
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        /// <summary>Runs on a thread-pool thread; does nothing if the writer already took the batch.</summary>
        public void Execute() => TrySealHere();

        /// <summary>Seals the batch on the calling thread if nobody has started it; false if it is taken or done.</summary>
        public bool TrySealHere()
        {
            if (Interlocked.CompareExchange(ref _state, Sealing, Queued) != Queued)
            {
                return false;
            }

            try
            {
                Seal(_scheduledKey!);
            }
            catch (Exception error)
            {
                // A work item must not throw; the writer rethrows it in order.
                SealError = ExceptionDispatchInfo.Capture(error);
            }

            _scheduledKey = null;
            lock (_sealedGate)
            {
                Volatile.Write(ref _state, Sealed);
                Monitor.PulseAll(_sealedGate);
            }

            return true;
        }

        public void WaitUntilSealed()
        {
            lock (_sealedGate)
            {
                while (Volatile.Read(ref _state) != Sealed)
                {
                    Monitor.Wait(_sealedGate);
                }
            }
        }

        /// <summary>Cancels a queued batch or waits for the worker sealing it; afterwards no worker touches it.</summary>
        public void Withdraw()
        {
            if (Interlocked.CompareExchange(ref _state, Sealed, Queued) != Queued && Volatile.Read(ref _state) == Sealing)
            {
                WaitUntilSealed();
            }
        }

        public void Seal(Key payloadKey)
        {
            int count = ChunkCount;
            int written = 0;
            for (int i = 0; i < count; i++)
            {
                int start = i * AgeStreamFormat.ChunkSize;
                int length = Math.Min(AgeStreamFormat.ChunkSize, PlaintextLength - start);
                bool last = IsFinal && i == count - 1;
                AgeStreamFormat.Seal(payloadKey, FirstChunk + (ulong)i, last, Plaintext.AsSpan(start, length), Ciphertext.AsSpan(written));
                written += length + AgeStreamFormat.TagSize;
            }

            CiphertextLength = written;
        }

        public void Release()
        {
            if (Plaintext.Length == 0)
            {
                return;
            }

            // Plaintext must not linger in pooled memory.
            CryptographicOperations.ZeroMemory(Plaintext.AsSpan(0, Math.Min(Plaintext.Length, _chunks * AgeStreamFormat.ChunkSize)));
            ArrayPool<byte>.Shared.Return(Plaintext);
            ArrayPool<byte>.Shared.Return(Ciphertext);
            Plaintext = [];
            Ciphertext = [];
        }
    }
}
