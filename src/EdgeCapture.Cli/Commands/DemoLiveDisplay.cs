using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// The demo's live view while the boxes run: on a terminal a Spectre.Console live table (per box: privacy state, events
/// recorded and gated, keys suppressed on the lock screen, frames, segments sealed, uploaded and stored at the collector)
/// refreshed twice a second, under it the latest happenings; otherwise (tests, CI, a pipe) plain lines: each happening as it
/// comes and one line per box every two seconds.
/// </summary>
internal sealed class DemoLiveDisplay
{
    private static readonly TimeSpan TerminalRefresh = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan PlainRefresh = TimeSpan.FromSeconds(2);
    private const int RecentLines = 8;

    private readonly TextWriter _output;
    private readonly bool _terminal;
    private readonly Func<IReadOnlyList<DemoBoxSnapshot>> _snapshot;
    private readonly double _seconds;
    private readonly Lock _lock = new();
    private readonly List<string> _happenings = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public DemoLiveDisplay(TextWriter output, Func<IReadOnlyList<DemoBoxSnapshot>> snapshot, double seconds)
    {
        _output = output;
        _terminal = IsTerminal(output);
        _snapshot = snapshot;
        _seconds = seconds;
    }

    /// <summary>True when <paramref name="output"/> is the console and the console is a terminal.</summary>
    public static bool IsTerminal(TextWriter output) => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;

    /// <summary>Something that happened (a switch flip, a fleet answer): shown under the table, or printed at once.</summary>
    public void Report(string line)
    {
        string stamped = string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,5:0.0} s] {line}");
        lock (_lock)
        {
            _happenings.Add(stamped);
            if (!_terminal)
            {
                _output.WriteLine(stamped);
                _output.Flush();
            }
        }
    }

    /// <summary>Shows the boxes until <paramref name="running"/> completes, then once more.</summary>
    public async Task ShowUntilAsync(Task running)
    {
        if (_terminal)
        {
            IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_output), Ansi = AnsiSupport.Detect, ColorSystem = ColorSystemSupport.Detect });
            await console.Live(Render()).AutoClear(false).StartAsync(async context =>
            {
                while (!running.IsCompleted)
                {
                    await Task.WhenAny(running, Task.Delay(TerminalRefresh)).ConfigureAwait(false);
                    context.UpdateTarget(Render());
                }
            }).ConfigureAwait(false);
            return;
        }

        while (!running.IsCompleted)
        {
            await Task.WhenAny(running, Task.Delay(PlainRefresh)).ConfigureAwait(false);
            WritePlain();
        }
    }

    private void WritePlain()
    {
        lock (_lock)
        {
            foreach (DemoBoxSnapshot box in _snapshot())
            {
                _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{_clock.Elapsed.TotalSeconds,5:0.0} s] {box.DeviceId}: {box.Privacy}, events {box.Events} (gated {box.EventsGated}, keys suppressed {box.KeysSuppressed}), frames {box.Frames}, segments sealed {box.SegmentsSealed}, uploaded {box.Uploaded}, stored {box.Stored}"));
            }

            _output.Flush();
        }
    }

    private Rows Render()
    {
        var table = new Table()
            .Title(string.Create(CultureInfo.InvariantCulture, $"EdgeCapture demo: {Math.Min(_clock.Elapsed.TotalSeconds, _seconds):0.0} of {_seconds:0} s"))
            .AddColumn(new TableColumn("Box").NoWrap())
            .AddColumn(new TableColumn("Privacy").NoWrap());

        // The numbers may wrap their headers, never the box or its state: the table fits an 80-column terminal.
        foreach (string header in new[] { "Events", "Gated", "Keys suppressed", "Frames", "Segments sealed / uploaded / stored" })
        {
            table.AddColumn(new TableColumn(header).RightAligned());
        }

        foreach (DemoBoxSnapshot box in _snapshot())
        {
            string privacy = box.Privacy == "public" ? "[green]recording[/]" : $"[red]{Markup.Escape(box.Privacy)}[/]";
            table.AddRow(
                Markup.Escape(box.DeviceId),
                privacy,
                Number(box.Events),
                Number(box.EventsGated),
                Number(box.KeysSuppressed),
                Number(box.Frames),
                $"{Number(box.SegmentsSealed)} / {Number(box.Uploaded)} / {Number(box.Stored)}");
        }

        string recent;
        lock (_lock)
        {
            recent = string.Join(Environment.NewLine, _happenings.Skip(Math.Max(0, _happenings.Count - RecentLines)).Select(Markup.Escape));
        }

        return new Rows(table, new Panel(new Markup(recent.Length > 0 ? recent : "starting...")).Header("what happens").Expand());
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
