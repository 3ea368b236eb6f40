namespace EdgeCapture.Dataset.Export;

/// <summary>What the exporter is doing, for a progress bar or plain lines.</summary>
/// <param name="Phase">verify (signatures, chains, hashes) or export (decrypt, decode, write).</param>
/// <param name="SegmentsDone">Segments finished in this phase.</param>
/// <param name="SegmentsTotal">Segments in this phase.</param>
/// <param name="CiphertextBytesDone">Ciphertext bytes finished in this phase.</param>
/// <param name="CiphertextBytesTotal">Ciphertext bytes in this phase.</param>
/// <param name="Current">The segment just finished (session/index), or null.</param>
public sealed record ExportProgress(string Phase, int SegmentsDone, int SegmentsTotal, long CiphertextBytesDone, long CiphertextBytesTotal, string? Current);
