// Long (about 600 lines) because it is one state machine: header parsing and MAC, then the STREAM chunks with
// their nonce counter, last-chunk rule and armor; splitting the states apart would scatter the checks the age
// spec requires in order.
using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;

namespace EdgeCapture.Crypto;

/// <summary>
/// A read-only stream that decrypts an age v1 file. <see cref="Open"/> reads and authenticates the header; reads
/// then return plaintext one authenticated 64 KiB chunk at a time, in constant memory whatever the file size.
/// </summary>
/// <remarks>
/// Guarantees: no byte of a chunk is returned before that chunk authenticated; nothing at or after a failing chunk
/// is ever returned; end of stream (a read returning 0) is signalled only after the chunk marked last has
/// authenticated and the input has ended right after it. Failures are <see cref="AgePayloadException"/> (or
/// <see cref="AgeArmorException"/> for damaged armor) and repeat on every later read. Not thread-safe.
/// </remarks>
public sealed class AgeDecryptingStream : Stream
{
    private const int ChunksPerParallelBatch = 4;

    /// <summary>Batches read ahead per degree of parallelism: enough that no worker waits for the reader or the writer.</summary>
    private const int BatchesInFlightPerWorker = 3;

    private readonly AgeInput _payload;
    private readonly Stream _source;
    private readonly byte[] _payloadKey;
    private readonly bool _useLibsodium;
    private readonly bool _leaveOpen;
    private readonly int _parallelism;
    private readonly int _chunksPerBatch;
    private readonly int _maxInFlight;
    private readonly Queue<Batch> _inFlight = new();
    private readonly Stack<Batch> _free = new();
    private Batch? _releasing;
    private int _releasedOffset;
    private ulong _nextChunk;
    private bool _inputEnded;
    private bool _finalSeen;
    private bool _finished;
    private ExceptionDispatchInfo? _error;
    private bool _disposed;

    private AgeDecryptingStream(Stream source, AgeInput payload, byte[] payloadKey, AgeDecryptionOptions options)
    {
        _source = source;
        _payload = payload;
        _payloadKey = payloadKey;
        _useLibsodium = options.UseLibsodium;
        _leaveOpen = options.LeaveOpen;
        _parallelism = AgeStreamFormat.Parallelism(options.MaxDegreeOfParallelism);
        _chunksPerBatch = _parallelism == 1 ? 1 : ChunksPerParallelBatch;
        _maxInFlight = _parallelism == 1 ? 2 : _parallelism * BatchesInFlightPerWorker;
    }

    /// <inheritdoc/>
    public override bool CanRead => !_disposed;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Reads the header of the age file on <paramref name="input"/>, finds the file key with one of
    /// <paramref name="identities"/>, verifies the header MAC and returns the stream of plaintext.
    /// </summary>
    /// <param name="input">The encrypted file (binary or armored).</param>
    /// <param name="identities">Identities to try, in order.</param>
    /// <param name="options">Format, parallelism, whether to leave <paramref name="input"/> open; null for defaults.</param>
    /// <returns>The decrypting stream.</returns>
    /// <exception cref="AgeHeaderException">The header is malformed or a stanza is invalid.</exception>
    /// <exception cref="AgeNoIdentityMatchException">No identity opens the file (or none was given).</exception>
    /// <exception cref="AgeHmacException">The header was modified.</exception>
    /// <exception cref="AgeArmorException">The armor is malformed.</exception>
    public static AgeDecryptingStream Open(Stream input, IReadOnlyList<AgeIdentity> identities, AgeDecryptionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(identities);
        options ??= new AgeDecryptionOptions();
        var raw = new AgeInput(input);
        bool armored = options.Format switch
        {
            AgeInputFormat.Armored => true,
            AgeInputFormat.Binary => false,
            _ => raw.PeekFirstNonWhitespace() == '-',
        };
        AgeInput payload = armored ? new AgeInput(new ArmorReadStream(raw)) : raw;

        ParsedHeader header = AgeHeader.Parse(payload);
        Span<byte> fileKey = stackalloc byte[AgeHeader.FileKeySize];
        Span<byte> nonce = stackalloc byte[AgeStreamFormat.PayloadNonceSize];
        try
        {
            AgeHeader.UnwrapFileKey(header, identities, fileKey);
            AgeHeader.VerifyMac(header, fileKey);
            if (payload.ReadAtMost(nonce) != nonce.Length)
            {
                throw new AgeHeaderException("Truncated age file: the payload nonce is missing or short.");
            }

            // Pinned, so the GC leaves no copy of the key behind; zeroed when the stream is disposed.
            byte[] payloadKey = GC.AllocateArray<byte>(AgeStreamFormat.PayloadKeySize, pinned: true);
            AgeStreamFormat.DerivePayloadKey(fileKey, nonce, payloadKey);
            return new AgeDecryptingStream(input, payload, payloadKey, options);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fileKey);
        }
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            if (_releasing is not null)
            {
                int available = _releasing.PlaintextLength - _releasedOffset;
                if (available > 0)
                {
                    int count = Math.Min(available, buffer.Length);
                    _releasing.Plaintext.AsSpan(_releasedOffset, count).CopyTo(buffer);
                    _releasedOffset += count;
                    return count;
                }

                Recycle(_releasing);
                _releasing = null;
            }

            _error?.Throw();
            if (_finished)
            {
                return 0;
            }

            Advance();
        }
    }

    /// <summary>Writes the remaining plaintext to <paramref name="destination"/> straight from the authenticated chunks (no extra copy).</summary>
    /// <param name="destination">Where the plaintext goes.</param>
    /// <param name="bufferSize">Ignored: chunks are written as they authenticate.</param>
    public override void CopyTo(Stream destination, int bufferSize)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (true)
        {
            if (_releasing is not null)
            {
                int available = _releasing.PlaintextLength - _releasedOffset;
                if (available > 0)
                {
                    destination.Write(_releasing.Plaintext, _releasedOffset, available);
                    _releasedOffset += available;
                }

                Recycle(_releasing);
                _releasing = null;
            }

            _error?.Throw();
            if (_finished)
            {
                return;
            }

            Advance();
        }
    }

    /// <inheritdoc/>
    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Read(buffer.AsSpan(offset, count)));
    }

    /// <inheritdoc/>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!_disposed && disposing)
        {
            _disposed = true;
            foreach (Batch batch in _inFlight)
            {
                // A batch no worker has started is withdrawn; one being opened is waited for (its buffers are in use).
                batch.Withdraw();
                batch.Release();
            }

            _inFlight.Clear();
            _releasing?.Release();
            while (_free.TryPop(out Batch? batch))
            {
                batch.Release();
            }

            CryptographicOperations.ZeroMemory(_payloadKey);
            if (!_leaveOpen)
            {
                _source.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>Makes the next batch current, or records the end of the stream or the error to report.</summary>
    private void Advance()
    {
        FillReadAhead();
        if (!_inFlight.TryDequeue(out Batch? batch))
        {
            // No more input. Only a final chunk that authenticated makes this a clean end.
            if (_finalSeen)
            {
                _finished = true;
            }
            else
            {
                _error = ExceptionDispatchInfo.Capture(new AgePayloadException(_nextChunk == 0
                    ? "Truncated age payload: it has no chunk at all."
                    : $"Truncated age payload: the input ends after chunk {_nextChunk - 1}, which is not marked as the last chunk."));
            }

            return;
        }

        WaitOpened(batch);
        if (batch.OpenError is not null)
        {
            // Not an authentication failure but a fault while opening: reported like one, on this and every later read.
            _error = batch.OpenError;
            Recycle(batch);
            return;
        }

        if (batch.ReadError is not null)
        {
            _error = batch.ReadError;
            Recycle(batch);
            return;
        }

        if (_finalSeen)
        {
            // The final chunk was already released; anything after it is not part of the file.
            _error = ExceptionDispatchInfo.Capture(new AgePayloadException("Trailing data after the last chunk of the age payload."));
            Recycle(batch);
            return;
        }

        _nextChunk = batch.FirstChunk + (ulong)batch.ChunksOpened;
        _releasing = batch;
        _releasedOffset = 0;
        if (batch.Failure is not null)
        {
            _error = ExceptionDispatchInfo.Capture(new AgePayloadException(batch.Failure));
        }
        else if (batch.FinalFound)
        {
            _finalSeen = true;
            if (batch.TrailingData)
            {
                _error = ExceptionDispatchInfo.Capture(new AgePayloadException("Trailing data after the last chunk of the age payload."));
            }
        }
    }

    /// <summary>Reads ciphertext ahead and starts opening it, up to the in-flight limit.</summary>
    private void FillReadAhead()
    {
        while (!_inputEnded && _inFlight.Count < _maxInFlight)
        {
            Batch batch = _free.TryPop(out Batch? free) ? free : new Batch(_chunksPerBatch, new PayloadChunkOpener(_payloadKey, _useLibsodium));
            batch.FirstChunk = _readChunk;
            try
            {
                batch.CiphertextLength = _payload.ReadAtMost(batch.Ciphertext.AsSpan(0, _chunksPerBatch * AgeStreamFormat.EncryptedChunkSize));
            }
            catch (Exception error) when (error is IOException or AgeException)
            {
                batch.CiphertextLength = 0;
                batch.ReadError = ExceptionDispatchInfo.Capture(error);
                _inputEnded = true;
                _inFlight.Enqueue(batch);
                return;
            }

            if (batch.CiphertextLength < _chunksPerBatch * AgeStreamFormat.EncryptedChunkSize)
            {
                _inputEnded = true;
                if (batch.CiphertextLength == 0)
                {
                    Recycle(batch);
                    return;
                }
            }

            _readChunk += (ulong)((batch.CiphertextLength + AgeStreamFormat.EncryptedChunkSize - 1) / AgeStreamFormat.EncryptedChunkSize);
            if (_parallelism == 1)
            {
                batch.Open();
            }
            else
            {
                batch.Schedule();
            }

            _inFlight.Enqueue(batch);
        }
    }

    private ulong _readChunk;

    /// <summary>
    /// Waits until <paramref name="oldest"/> (the head of the queue) is opened. Rather than sit idle, the reading
    /// thread opens batches no worker has picked up yet: the head first, else a later one, so a busy or starved thread
    /// pool never stalls the stream and the caller's core is not wasted.
    /// </summary>
    private void WaitOpened(Batch oldest)
    {
        while (!oldest.IsOpened)
        {
            if (oldest.TryOpenHere())
            {
                return;
            }

            bool helped = false;
            foreach (Batch later in _inFlight)
            {
                if (later.TryOpenHere())
                {
                    helped = true;
                    break;
                }
            }

            if (!helped)
            {
                oldest.WaitUntilOpened();
                return;
            }
        }
    }

    private void Recycle(Batch batch)
    {
        batch.Reset();
        _free.Push(batch);
    }

    /// <summary>A run of consecutive chunks read together and opened by one worker (a thread-pool work item).</summary>
    private sealed class Batch : IThreadPoolWorkItem
    {
        private const int Idle = 0;
        private const int Queued = 1;
        private const int Opening = 2;
        private const int Opened = 3;

        private readonly int _chunks;
        private readonly object _openedGate = new();
        private readonly PayloadChunkOpener _opener;
        private int _state;

        public Batch(int chunks, PayloadChunkOpener opener)
        {
            _chunks = chunks;
            _opener = opener;
            Ciphertext = ArrayPool<byte>.Shared.Rent(chunks * AgeStreamFormat.EncryptedChunkSize);
            Plaintext = ArrayPool<byte>.Shared.Rent(chunks * AgeStreamFormat.ChunkSize);
        }

        public byte[] Ciphertext { get; private set; }

        public byte[] Plaintext { get; private set; }

        public int CiphertextLength { get; set; }

        public ulong FirstChunk { get; set; }

        /// <summary>An unexpected failure while opening (not an authentication failure), rethrown to the reader.</summary>
        public ExceptionDispatchInfo? OpenError { get; private set; }

        public bool IsOpened => Volatile.Read(ref _state) is Opened or Idle;

        public ExceptionDispatchInfo? ReadError { get; set; }

        /// <summary>Plaintext bytes of the chunks that authenticated, in order, up to the first failure.</summary>
        public int PlaintextLength { get; private set; }

        public int ChunksOpened { get; private set; }

        public bool FinalFound { get; private set; }

        public bool TrailingData { get; private set; }

        public string? Failure { get; private set; }

        /// <summary>Queues the batch to be opened on the thread pool (or by the reader, whichever comes first).</summary>
        public void Schedule()
        {
            Volatile.Write(ref _state, Queued);
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        /// <summary>Runs on a thread-pool thread; does nothing if the reader already took the batch.</summary>
        public void Execute() => TryOpenHere();

        /// <summary>Opens the batch on the calling thread if nobody has started it; false if it is taken or done.</summary>
        public bool TryOpenHere()
        {
            if (Interlocked.CompareExchange(ref _state, Opening, Queued) != Queued)
            {
                return false;
            }

            try
            {
                Open();
            }
            catch (Exception error)
            {
                // A work item must not throw; the reader rethrows it in order.
                OpenError = ExceptionDispatchInfo.Capture(error);
            }

            lock (_openedGate)
            {
                Volatile.Write(ref _state, Opened);
                Monitor.PulseAll(_openedGate);
            }

            return true;
        }

        public void WaitUntilOpened()
        {
            lock (_openedGate)
            {
                while (Volatile.Read(ref _state) != Opened)
                {
                    Monitor.Wait(_openedGate);
                }
            }
        }

        /// <summary>Cancels a queued batch or waits for the worker opening it; afterwards no worker touches it.</summary>
        public void Withdraw()
        {
            if (Interlocked.CompareExchange(ref _state, Opened, Queued) != Queued && Volatile.Read(ref _state) == Opening)
            {
                WaitUntilOpened();
            }
        }

        /// <summary>
        /// Opens chunks in order, stopping at the first failure or at the chunk marked last. A full-size chunk is
        /// tried as a middle chunk, then as the last one; a short chunk can only be the last one.
        /// </summary>
        public void Open()
        {
            int offset = 0;
            int index = 0;
            while (offset < CiphertextLength)
            {
                int length = Math.Min(AgeStreamFormat.EncryptedChunkSize, CiphertextLength - offset);
                ulong counter = FirstChunk + (ulong)index;
                ReadOnlySpan<byte> ciphertext = Ciphertext.AsSpan(offset, length);
                Span<byte> plaintext = Plaintext.AsSpan(PlaintextLength);
                bool last;
                if (length == AgeStreamFormat.EncryptedChunkSize)
                {
                    if (_opener.TryOpen(counter, last: false, ciphertext, plaintext))
                    {
                        last = false;
                    }
                    else if (_opener.TryOpen(counter, last: true, ciphertext, plaintext))
                    {
                        last = true;
                    }
                    else
                    {
                        Failure = $"Chunk {counter} of the age payload failed authentication: it was modified, reordered or truncated.";
                        return;
                    }
                }
                else if (length < AgeStreamFormat.TagSize)
                {
                    Failure = $"Chunk {counter} of the age payload is truncated: {length} bytes, shorter than its tag.";
                    return;
                }
                else if (length == AgeStreamFormat.TagSize && counter != 0)
                {
                    Failure = $"Chunk {counter} of the age payload is an empty last chunk, which only an empty file may have.";
                    return;
                }
                else if (_opener.TryOpen(counter, last: true, ciphertext, plaintext))
                {
                    last = true;
                }
                else
                {
                    Failure = $"Chunk {counter} of the age payload failed authentication as the last chunk: it was modified or truncated.";
                    return;
                }

                PlaintextLength += length - AgeStreamFormat.TagSize;
                ChunksOpened++;
                offset += length;
                index++;
                if (last)
                {
                    FinalFound = true;
                    TrailingData = offset < CiphertextLength;
                    return;
                }
            }
        }

        /// <summary>
        /// Makes the batch reusable by the same stream. Its plaintext is not cleared here: the next batch overwrites
        /// it, and <see cref="Release"/> clears the whole buffer before it goes back to the shared pool (one pass less
        /// over every byte on the reading thread).
        /// </summary>
        public void Reset()
        {
            PlaintextLength = 0;
            CiphertextLength = 0;
            ChunksOpened = 0;
            FinalFound = false;
            TrailingData = false;
            Failure = null;
            ReadError = null;
            OpenError = null;
            _state = Idle;
        }

        public void Release()
        {
            if (Plaintext.Length == 0)
            {
                return;
            }

            _opener.Dispose();
            CryptographicOperations.ZeroMemory(Plaintext.AsSpan(0, Math.Min(Plaintext.Length, _chunks * AgeStreamFormat.ChunkSize)));
            ArrayPool<byte>.Shared.Return(Plaintext);
            ArrayPool<byte>.Shared.Return(Ciphertext);
            Plaintext = [];
            Ciphertext = [];
        }
    }
}
