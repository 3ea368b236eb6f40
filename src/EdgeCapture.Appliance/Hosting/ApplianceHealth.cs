using System.Collections.Concurrent;

namespace EdgeCapture.Appliance.Hosting;

/// <summary>A part's fault: what failed last, how often it was restarted, and whether it runs again now.</summary>
/// <param name="Part">The part (recorder, upload, fleet).</param>
/// <param name="LastError">The last failure's message.</param>
/// <param name="Restarts">Restarts so far.</param>
/// <param name="Running">Whether the part runs again (false while it waits out its backoff).</param>
public sealed record PartFault(string Part, string LastError, int Restarts, bool Running);

/// <summary>The faults of the parts that the appliance restarts with backoff, while the relay keeps working.</summary>
public sealed class ApplianceHealth
{
    private readonly ConcurrentDictionary<string, PartFault> _faults = new(StringComparer.Ordinal);

    /// <summary>Every part that has faulted at least once, by name.</summary>
    public IReadOnlyCollection<PartFault> Faults => [.. _faults.Values.OrderBy(fault => fault.Part, StringComparer.Ordinal)];

    /// <summary>Restarts of every part together.</summary>
    public int TotalRestarts => _faults.Values.Sum(fault => fault.Restarts);

    internal void Faulted(string part, string error) =>
        _faults.AddOrUpdate(part, name => new PartFault(name, error, 0, false), (_, fault) => fault with { LastError = error, Running = false });

    internal void Restarted(string part) =>
        _faults.AddOrUpdate(part, name => new PartFault(name, string.Empty, 1, true), (_, fault) => fault with { Restarts = fault.Restarts + 1, Running = true });
}
