using System.Diagnostics;
using System.Threading.Channels;
using EdgeCapture.Dataset.Output;
using EdgeCapture.Dataset.Reading;
using EdgeCapture.Dataset.Sources;
using EdgeCapture.Dataset.Timeline;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;

namespace EdgeCapture.Dataset.Export;

/// <summary>
/// The custodian's export. First every selected manifest of every device is verified (signature with the device key,
/// hash chain), before anything is written. Then, into a hidden temporary folder beside the output, each segment's
/// ciphertext is read once: hashed while it is decrypted and refused unless it is the one its signed manifest names,
/// only then decoded, checked against its manifest and translated into rows. Only when every segment
/// has passed is the folder renamed into place; any failure names the segment and why, and removes the temporary folder,
/// so the output path never holds a partial dataset.
/// </summary>
public static class DatasetExporter
{
    /// <summary>Runs an export.</summary>
    /// <param name="source">Where the segments are.</param>
    /// <param name="options">What to export and how.</param>
    /// <param name="progress">Progress reports, or null.</param>
    /// <param name="cancellationToken">Stops the export (nothing is left behind).</param>
    /// <returns>What was written.</returns>
    /// <exception cref="ExportFailedException">Verification, decryption or writing failed; nothing is at the output path.</exception>
    public static async Task<ExportResult> ExportAsync(ISegmentSource source, ExportOptions options, IProgress<ExportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        var stopwatch = Stopwatch.StartNew();
        string output = Path.GetFullPath(options.OutputDirectory.TrimEnd(Path.DirectorySeparatorChar));
        if (Directory.Exists(output) || File.Exists(output))
        {
            throw new ExportFailedException($"{output} already exists; the export only creates a new folder.");
        }

        string parent = Path.GetDirectoryName(output) ?? throw new ExportFailedException($"{output} has no parent folder.");
        if (!Directory.Exists(parent))
        {
            throw new ExportFailedException($"The folder {parent} does not exist.");
        }

        List<SessionPlan> plans = Plan(source, options, out List<ChainGap> gaps, out List<string> warnings);
        int segmentCount = plans.Sum(plan => plan.Segments.Count);
        long ciphertextTotal = plans.Sum(plan => plan.Segments.Sum(segment => segment.Manifest.CiphertextLength));
        progress?.Report(new ExportProgress("verify", segmentCount, segmentCount, ciphertextTotal, ciphertextTotal, null));

        string temporary = Path.Combine(parent, $".{Path.GetFileName(output)}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temporary);
        try
        {
            ExportResult result = await WriteAsync(temporary, plans, options, progress, segmentCount, ciphertextTotal, cancellationToken).ConfigureAwait(false);
            DatasetCard.Write(Path.Combine(temporary, "README.md"), source.Description, options, result.Sessions, gaps, warnings, result.EventShards.Count > 0);

            // Durable before it is visible, and visible durably: every file and folder under the temporary folder reaches the
            // disk (one syncfs, not one fsync per frame of the raw format), then the rename, then the parent's entry. A crash
            // at any point leaves either no OUT or the whole of it.
            Linux.DirectorySync.SyncFileSystem(temporary);
            Directory.Move(temporary, output);
            Linux.DirectorySync.Sync(parent);
            return new ExportResult
            {
                OutputDirectory = output,
                Source = source.Description,
                Sessions = result.Sessions,
                Gaps = gaps,
                Warnings = warnings,
                Segments = segmentCount,
                CiphertextBytes = ciphertextTotal,
                EventShards = result.EventShards,
                StepShards = result.StepShards,
                Elapsed = stopwatch.Elapsed,
            };
        }
        catch (Exception error) when (error is SegmentRejectedException or IOException or UnauthorizedAccessException or OperationCanceledException or InvalidOperationException or DllNotFoundException)
        {
            TryDelete(temporary);
            if (error is OperationCanceledException)
            {
                throw;
            }

            throw new ExportFailedException(error is SegmentRejectedException ? error.Message : $"writing the export failed: {error.Message}", error);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static List<SessionPlan> Plan(ISegmentSource source, ExportOptions options, out List<ChainGap> gaps, out List<string> warnings)
    {
        gaps = [];
        warnings = [];
        var plans = new List<SessionPlan>();
        IReadOnlyList<SourceDevice> devices;
        try
        {
            devices = source.ListDevices();
        }
        catch (Exception error) when (error is IOException or InvalidOperationException or UnauthorizedAccessException or SegmentSourceException)
        {
            throw new ExportFailedException($"cannot read {source.Description}: {error.Message}", error);
        }

        foreach (SourceDevice device in devices)
        {
            VerifiableSegment[] selected = [.. device.Segments
                .GroupBy(segment => segment.Key.SessionId)
                .Where(session => Selected(session.Key, session.ToList(), options))
                .SelectMany(session => session)];
            if (selected.Length == 0)
            {
                continue;
            }

            // Signatures and chains, before anything is written. Each ciphertext's length and SHA-256 are checked against its
            // signed manifest in the same read that decrypts it (SealedSegmentOpener), before its plaintext is decoded; a
            // mismatch fails the export there, and the temporary folder is removed, so OUT is never created.
            VerificationReport report = SegmentChainVerifier.VerifyManifests(selected, device.PublicKey);
            foreach (VerificationIssue issue in report.Errors)
            {
                if (issue.Problem == VerificationProblem.SegmentMissing && options.AllowGaps)
                {
                    gaps.Add(new ChainGap(issue.Key.SessionId, issue.Message));
                    continue;
                }

                string hint = issue.Problem == VerificationProblem.SegmentMissing ? " (pass --allow-gaps to export around it and list it in the card)" : string.Empty;
                throw new ExportFailedException($"segment {issue.Key}: {issue.Problem}: {issue.Message}{hint}");
            }

            foreach (VerificationIssue warning in report.Warnings)
            {
                if (warning.Problem == VerificationProblem.SessionHeadNotHeld)
                {
                    if (!options.AllowGaps)
                    {
                        throw new ExportFailedException($"segment {warning.Key}: {warning.Problem}: {warning.Message} (pass --allow-gaps to export what is held and list the gap in the card)");
                    }

                    gaps.Add(new ChainGap(warning.Key.SessionId, warning.Message));
                    continue;
                }

                warnings.Add(warning.Message);
            }

            foreach (IGrouping<Guid, VerifiableSegment> session in selected.GroupBy(segment => segment.Key.SessionId))
            {
                var held = new List<PlannedSegment>();
                foreach (VerifiableSegment segment in session.OrderBy(segment => segment.Key.SegmentIndex))
                {
                    if (segment.Manifest.IsEmpty)
                    {
                        // An acknowledged tombstone: its content left the box; only the collector's store has it.
                        if (!options.AllowGaps)
                        {
                            throw new ExportFailedException($"segment {segment.Key}: acknowledged by the collector and no longer held here (export from the store, or pass --allow-gaps)");
                        }

                        gaps.Add(new ChainGap(segment.Key.SessionId, $"Segment {segment.Key} was acknowledged by the collector and is not held by this source."));
                        continue;
                    }

                    held.Add(new PlannedSegment(segment, ManifestCodec.Decode(segment.Manifest).Manifest));
                }

                if (held.Count > 0)
                {
                    plans.Add(new SessionPlan(session.Key, held));
                }
            }
        }

        return [.. plans.OrderBy(plan => plan.Segments[0].Manifest.WallClockStartUnixNanoseconds).ThenBy(plan => plan.SessionId)];
    }

    private static bool Selected(Guid sessionId, List<VerifiableSegment> segments, ExportOptions options)
    {
        if (options.Sessions.Count > 0 && !options.Sessions.Contains(sessionId))
        {
            return false;
        }

        DateTimeOffset start = segments.Min(segment => segment.WallClockStart);
        DateTimeOffset end = segments.Max(segment => segment.WallClockEnd);
        return (options.Since is not { } since || end >= since) && (options.Until is not { } until || start < until);
    }

    private static async Task<ExportResult> WriteAsync(string root, List<SessionPlan> plans, ExportOptions options, IProgress<ExportProgress>? progress, int segmentTotal, long byteTotal, CancellationToken cancellationToken)
    {
        bool huggingFace = options.Format is ExportFormat.HuggingFace or ExportFormat.Both;
        bool raw = options.Format is ExportFormat.Raw or ExportFormat.Both;
        HuggingFaceSink? hf = huggingFace ? new HuggingFaceSink(root, options.MaximumShardBytes) : null;
        RawFolderSink? rawSink = raw ? new RawFolderSink(root, options.Layout.Name) : null;
        var sinks = new List<IDatasetSink>();
        if (hf is not null)
        {
            sinks.Add(hf);
        }

        if (rawSink is not null)
        {
            sinks.Add(rawSink);
        }

        using var plaintexts = new PlaintextPool();
        var opener = new SealedSegmentOpener(options.Identities, options.MaxDegreeOfParallelism, plaintexts);
        using PointerLocator? locator = options.CorrectPointer ? new PointerLocator() : null;
        var translator = new SessionTranslator(new SinkFanout(sinks), options.Layout, locator);
        var summaries = new List<SessionSummary>();
        int segmentsDone = 0;
        long bytesDone = 0;
        long heapThreshold = HeapFloor;

        // Two stages on two cores: while one segment is translated and written, the next is read, hashed, decrypted and
        // decoded. The channel holds one opened segment; with the one being opened, the one being translated and at most
        // PlaintextPool.MaximumHeldSegments whose frames are still held, the segments in memory are bounded, and their
        // buffers are reused rather than allocated anew.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var opened = Channel.CreateBounded<OpenedSegment>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
        Task opening = Task.Run(() => OpenAllAsync(plans, opener, opened.Writer, stop.Token), CancellationToken.None);
        try
        {
            foreach (SessionPlan plan in plans)
            {
                bool begun = false;
                foreach (PlannedSegment planned in plan.Segments)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    OpenedSegment next = await ReadOpenedAsync(opened.Reader, opening, cancellationToken).ConfigureAwait(false);
                    if (!ReferenceEquals(next.Planned, planned))
                    {
                        throw new InvalidOperationException($"segment {planned.Segment.Key} was expected, {next.Planned.Segment.Key} was opened");
                    }

                    SegmentContents contents = next.Contents;
                    if (!begun)
                    {
                        translator.BeginSession(plan.SessionId, contents.Header);
                        begun = true;
                    }

                    translator.Segment(contents, next.Plaintext);
                    plaintexts.Translated(next.Plaintext);
                    plaintexts.ReleaseUnreferenced(translator.HeldFrames());
                    if (hf is not null)
                    {
                        await hf.FlushAsync(force: false, cancellationToken).ConfigureAwait(false);
                    }

                    segmentsDone++;
                    bytesDone += planned.Manifest.CiphertextLength;
                    heapThreshold = BoundHeap(heapThreshold);
                    progress?.Report(new ExportProgress("export", segmentsDone, segmentTotal, bytesDone, byteTotal, planned.Segment.Key.ToString()));
                }

                summaries.Add(translator.EndSession());
                plaintexts.ReleaseUnreferenced(translator.HeldFrames());
            }

            IReadOnlyList<string> eventShards = [];
            IReadOnlyList<string> stepShards = [];
            if (hf is not null)
            {
                (eventShards, stepShards) = await hf.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }

            return new ExportResult
            {
                OutputDirectory = root,
                Source = string.Empty,
                Sessions = summaries,
                Gaps = [],
                Warnings = [],
                EventShards = [.. eventShards.Select(path => Path.GetRelativePath(root, path))],
                StepShards = [.. stepShards.Select(path => Path.GetRelativePath(root, path))],
            };
        }
        finally
        {
            // A failure on either side stops the other; nothing is left running when the temporary folder is removed.
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await opening.ConfigureAwait(false);
            }
            catch (Exception error) when (error is OperationCanceledException or SegmentRejectedException or IOException or InvalidOperationException or UnauthorizedAccessException or DllNotFoundException)
            {
                // Already reported through the channel, or the consequence of stopping it.
            }

            if (hf is not null)
            {
                await hf.DisposeAsync().ConfigureAwait(false);
            }

            rawSink?.Dispose();
        }
    }

    /// <summary>
    /// Keeps the managed heap within what is alive plus <see cref="HeapHeadroom"/>, whatever the session's length. What the
    /// export holds alive is bounded (the pooled segment buffers, one row group per config, 16 frames, the pools of
    /// Parquet.Net and the runtime), but what dies young is mostly large objects (Parquet.Net's column buffers, a frame
    /// copied out), and on a machine with free memory the GC raises its large-object budget instead of collecting: the heap
    /// grew with the session. A full collection once the heap passes <paramref name="threshold"/> returns it to what is
    /// alive, and the next threshold is that plus the headroom (never below <see cref="HeapFloor"/>), so collections come
    /// every few dozen segments, not after each one.
    /// </summary>
    /// <returns>The threshold for the next segment.</returns>
    private static long BoundHeap(long threshold)
    {
        if (GC.GetTotalMemory(forceFullCollection: false) <= threshold)
        {
            return threshold;
        }

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
        return Math.Max(HeapFloor, GC.GetTotalMemory(forceFullCollection: false) + HeapHeadroom);
    }

    /// <summary>The heap size below which <see cref="BoundHeap"/> never collects.</summary>
    internal const long HeapFloor = 64L * 1024 * 1024;

    /// <summary>How far past what was alive at the last collection the heap may grow before <see cref="BoundHeap"/> collects again.</summary>
    internal const long HeapHeadroom = 32L * 1024 * 1024;

    /// <summary>The first stage: opens every planned segment in export order and hands it on; the channel's bound paces it.</summary>
    private static async Task OpenAllAsync(List<SessionPlan> plans, SealedSegmentOpener opener, ChannelWriter<OpenedSegment> writer, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            foreach (PlannedSegment planned in plans.SelectMany(plan => plan.Segments))
            {
                cancellationToken.ThrowIfCancellationRequested();
                (SegmentContents contents, SegmentPlaintext plaintext) = opener.Open(planned.Segment, planned.Manifest);
                await writer.WriteAsync(new OpenedSegment(planned, contents, plaintext), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception error)
        {
            failure = error;
            throw;
        }
        finally
        {
            writer.TryComplete(failure);
        }
    }

    /// <summary>The next opened segment; a failure of the first stage comes out as the exception it threw (a named segment).</summary>
    private static async ValueTask<OpenedSegment> ReadOpenedAsync(ChannelReader<OpenedSegment> reader, Task opening, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            await opening.ConfigureAwait(false);
            throw new InvalidOperationException("the segment reader stopped before every planned segment was opened");
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: the hidden folder's name says it is partial; the output path itself was never created.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    private sealed record PlannedSegment(VerifiableSegment Segment, SegmentManifest Manifest);

    private sealed record SessionPlan(Guid SessionId, List<PlannedSegment> Segments);

    private sealed record OpenedSegment(PlannedSegment Planned, SegmentContents Contents, SegmentPlaintext Plaintext);
}
