using System.Text.RegularExpressions;

namespace EdgeCapture.Cli.Tests;

/// <summary>One set of exit codes: only ExitCodes.cs defines them, and no command returns a bare number other than 0.</summary>
public sealed partial class ExitCodesTests
{
    [Fact]
    public void Only_ExitCodes_defines_exit_codes_and_no_command_returns_a_bare_failure_number()
    {
        string cli = Path.Combine(RepositoryRoot(), "src", "EdgeCapture.Cli");
        var offenders = new List<string>();
        foreach (string path in Directory.EnumerateFiles(cli, "*.cs", SearchOption.AllDirectories))
        {
            if (path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) || Path.GetFileName(path) == "ExitCodes.cs")
            {
                continue;
            }

            string[] lines = File.ReadAllLines(path);
            for (int index = 0; index < lines.Length; index++)
            {
                if (BareReturn().IsMatch(lines[index]) || BareReport().IsMatch(lines[index]) || ExitCodeConstant().IsMatch(lines[index]))
                {
                    offenders.Add($"{Path.GetRelativePath(cli, path)}:{index + 1}: {lines[index].Trim()}");
                }
            }
        }

        Assert.True(offenders.Count == 0, "Exit codes outside ExitCodes.cs:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void The_codes_are_distinct_and_the_restart_code_is_what_the_appliance_exits_with()
    {
        int[] codes = [ExitCodes.Success, ExitCodes.Failed, ExitCodes.Usage, ExitCodes.Unavailable, ExitCodes.RestartRequested];
        Assert.Equal(codes.Length, codes.Distinct().Count());
        Assert.Equal(EdgeCapture.Appliance.Appliance.RestartExitCode, ExitCodes.RestartRequested);
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgeCapture.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("EdgeCapture.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"\breturn [1-9][0-9]*;")]
    private static partial Regex BareReturn();

    [GeneratedRegex(@"CliErrors\.Report\(.*, [1-9][0-9]*\);")]
    private static partial Regex BareReport();

    [GeneratedRegex(@"const int \w*(Exit|Usage|Error|Failed|Failure|Problem|Fault|Invalid|Mismatch|Unreadable)\w* = ")]
    private static partial Regex ExitCodeConstant();
}
