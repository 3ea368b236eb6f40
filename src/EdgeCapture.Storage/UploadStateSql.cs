using System.Globalization;

namespace EdgeCapture.Storage;

/// <summary>
/// The one place <see cref="UploadState"/> values become SQL text, so no query spells a state as a bare number next to the enum.
/// </summary>
internal static class UploadStateSql
{
    /// <summary><see cref="UploadState.Pending"/> as an SQL literal.</summary>
    internal static readonly string Pending = Literal(UploadState.Pending);

    /// <summary><see cref="UploadState.Uploading"/> as an SQL literal.</summary>
    internal static readonly string Uploading = Literal(UploadState.Uploading);

    /// <summary><see cref="UploadState.Uploaded"/> as an SQL literal.</summary>
    internal static readonly string Uploaded = Literal(UploadState.Uploaded);

    /// <summary><see cref="UploadState.Acknowledged"/> as an SQL literal.</summary>
    internal static readonly string Acknowledged = Literal(UploadState.Acknowledged);

    /// <summary><see cref="UploadState.Rejected"/> as an SQL literal.</summary>
    internal static readonly string Rejected = Literal(UploadState.Rejected);

    /// <summary>States whose ciphertext and manifest are still held (everything but an acknowledged tombstone), as an SQL list.</summary>
    internal static readonly string Held = List(UploadState.Pending, UploadState.Uploading, UploadState.Uploaded, UploadState.Rejected);

    /// <summary>Writes an SQL list such as <c>(0, 1)</c>.</summary>
    internal static string List(params UploadState[] states) => "(" + string.Join(", ", states.Select(Literal)) + ")";

    private static string Literal(UploadState state) => ((int)state).ToString(CultureInfo.InvariantCulture);
}
