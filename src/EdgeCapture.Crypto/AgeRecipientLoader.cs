namespace EdgeCapture.Crypto;

/// <summary>Where a recipient could not be loaded from: one given as text, or a recipients file.</summary>
public enum AgeRecipientSourceKind
{
    /// <summary>A recipient given as text (command line, configuration).</summary>
    Text = 0,

    /// <summary>A recipients file (one <c>age1…</c> per line, <c>#</c> comments).</summary>
    File,
}

/// <summary>A recipient given as text is malformed, or a recipients file cannot be read or holds a malformed line.</summary>
public sealed class AgeRecipientSourceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AgeRecipientSourceException()
        : base("No usable age recipient.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public AgeRecipientSourceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public AgeRecipientSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>What kind of source failed.</summary>
    public AgeRecipientSourceKind Kind { get; init; }

    /// <summary>The file's path (for a file); for text, null (key text is never repeated in messages).</summary>
    public string? Path { get; init; }

    /// <summary>True when the file could not be read (rather than held a malformed line).</summary>
    public bool IsUnreadable { get; init; }
}

/// <summary>
/// The one loader of age recipients, for every place that takes them (<c>encrypt</c>, <c>record</c>, the appliance's
/// <c>recipients</c> and <c>recipientsFile</c>): recipients given as text first, then each file's in file order.
/// </summary>
public static class AgeRecipientLoader
{
    /// <summary>Loads the recipients given as text and those in the files.</summary>
    /// <param name="texts">Recipients as text (<c>age1…</c>).</param>
    /// <param name="files">Recipients files.</param>
    /// <returns>The recipients, possibly none (the caller says whether none is acceptable).</returns>
    /// <exception cref="AgeRecipientSourceException">A text is malformed, or a file cannot be read or holds a malformed line.</exception>
    public static IReadOnlyList<AgeRecipient> Load(IEnumerable<string> texts, IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var recipients = new List<AgeRecipient>();
        foreach (string text in texts)
        {
            try
            {
                recipients.Add(AgeRecipient.Parse(text));
            }
            catch (AgeKeyFormatException error)
            {
                throw new AgeRecipientSourceException(error.Message, error) { Kind = AgeRecipientSourceKind.Text };
            }
        }

        return Load(recipients, files);
    }

    /// <summary>Loads the recipients in the files after <paramref name="given"/>, which were parsed already.</summary>
    /// <param name="given">Recipients already parsed (a configuration's <c>recipients</c>).</param>
    /// <param name="files">Recipients files.</param>
    /// <returns>The recipients, possibly none.</returns>
    /// <exception cref="AgeRecipientSourceException">A file cannot be read or holds a malformed line.</exception>
    public static IReadOnlyList<AgeRecipient> Load(IEnumerable<AgeRecipient> given, IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(given);
        ArgumentNullException.ThrowIfNull(files);
        var recipients = new List<AgeRecipient>(given);
        foreach (string path in files)
        {
            try
            {
                using var reader = new StreamReader(path);
                recipients.AddRange(AgeRecipient.ParseList(reader));
            }
            catch (AgeKeyFormatException error)
            {
                throw new AgeRecipientSourceException($"{path}: {error.Message}", error) { Kind = AgeRecipientSourceKind.File, Path = path };
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                throw new AgeRecipientSourceException($"{path}: {error.Message}", error) { Kind = AgeRecipientSourceKind.File, Path = path, IsUnreadable = true };
            }
        }

        return recipients;
    }
}
