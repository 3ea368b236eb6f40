using System.Globalization;

namespace EdgeCapture.Transport;

/// <summary>The durable birth/death sequence (bdSeq): one new number per connection attempt, never reused.</summary>
public interface IPresenceSequence
{
    /// <summary>Returns the next number, durably stored before it is returned.</summary>
    /// <returns>A number larger than every one returned before.</returns>
    long Advance();
}

/// <summary>
/// bdSeq in a small text file (one decimal number), replaced atomically (write, fsync, rename), so a crash can never
/// make the box reuse a number and let an old death override a new birth.
/// </summary>
/// <param name="path">The file; its directory must exist.</param>
public sealed class PresenceSequenceFile(string path) : IPresenceSequence
{
    private readonly Lock _lock = new();

    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">The file holds something other than a non-negative number.</exception>
    public long Advance()
    {
        lock (_lock)
        {
            long current = 0;
            if (File.Exists(path))
            {
                string text = File.ReadAllText(path).Trim();
                if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out current) || current == long.MaxValue)
                {
                    throw new InvalidDataException($"The presence sequence file '{path}' does not hold a non-negative number.");
                }
            }

            long next = current + 1;
            string temporary = path + ".tmp";
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                byte[] bytes = System.Text.Encoding.ASCII.GetBytes(next.ToString(CultureInfo.InvariantCulture) + "\n");
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            return next;
        }
    }
}

/// <summary>bdSeq in memory only (tests and tools; a restart starts again at 1).</summary>
public sealed class InMemoryPresenceSequence : IPresenceSequence
{
    private long _value;

    /// <inheritdoc/>
    public long Advance() => Interlocked.Increment(ref _value);
}
