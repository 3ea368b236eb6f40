using System.CommandLine;

namespace EdgeCapture.Cli.Tests;

public sealed class RelayCommandTests
{
    [Fact]
    public void Simulate_runs_the_real_relay_on_a_scripted_user_and_prints_decoded_reports()
    {
        (int code, string output, string error) = Run("relay", "--simulate", "--duration", "20", "--speed", "40", "--seed", "3");

        Assert.True(code == 0, error);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, line => line.Contains("script     types \"", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("keyboard   LeftShift+", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("mouse      dx=", StringComparison.Ordinal));
        string summary = Assert.Single(lines, line => line.StartsWith("summary:", StringComparison.Ordinal));
        Assert.Contains("bad input skipped: 0", summary, StringComparison.Ordinal);
        Assert.DoesNotContain(" 0 keyboard", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_inputs_or_gadget_paths_it_explains_what_is_missing()
    {
        (int code, _, string error) = Run("relay", "--hidg-keyboard", "/tmp/none");
        Assert.Equal(2, code);
        Assert.Contains("nothing to read", error, StringComparison.Ordinal);

        (code, _, error) = Run("relay", "--keyboard", "/tmp/none");
        Assert.Equal(2, code);
        Assert.Contains("nowhere to write", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_device_is_a_clear_error()
    {
        string directory = Directory.CreateTempSubdirectory("edgecapture-cli-relay-").FullName;
        try
        {
            (int code, _, string error) = Run("relay", "--keyboard", Path.Combine(directory, "missing-event"), "--hidg-keyboard", Path.Combine(directory, "hidg0"), "--duration", "1");
            Assert.Equal(3, code);
            Assert.Contains("missing-event", error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static (int Code, string Output, string Error) Run(params string[] arguments)
    {
        RootCommand root = Program.CreateRootCommand();
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = root.Parse(arguments).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }
}
