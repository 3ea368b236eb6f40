using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;

namespace EdgeCapture.Cli.Tests;

/// <summary>
/// <c>edgecapture keys|encrypt|decrypt</c> run in-process on real files; files we write are opened with the
/// `age` CLI. Under CI=true a missing `age` fails the interop test.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CryptoCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgecapture-cli-crypto-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Keys_generate_writes_a_0600_identity_prints_its_recipient_and_never_overwrites()
    {
        string key = Path.Combine(_directory, "custodian.key");
        (int code, string output, _) = Run("keys", "generate", "-o", key);
        Assert.Equal(0, code);
        Assert.Matches("^age1[0-9a-z]{58}$", output.Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        string before = File.ReadAllText(key);
        Assert.DoesNotContain("AGE-SECRET-KEY", output, StringComparison.Ordinal);

        (code, _, string error) = Run("keys", "generate", "-o", key);
        Assert.Equal(3, code);
        Assert.Contains("Refusing to overwrite", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(key));

        (code, string recipients, _) = Run("keys", "public", "-i", key);
        Assert.Equal(0, code);
        Assert.Equal(output.Trim(), recipients.Trim());
    }

    [Fact]
    public void Encrypt_then_decrypt_round_trips_and_age_opens_what_we_write()
    {
        string key = Path.Combine(_directory, "custodian.key");
        string recipient = Run("keys", "generate", "-o", key).Output.Trim();
        string plain = Path.Combine(_directory, "plain.bin");
        byte[] plaintext = RandomNumberGenerator.GetBytes(200_000);
        File.WriteAllBytes(plain, plaintext);
        string recipientsFile = Path.Combine(_directory, "recipients.txt");
        File.WriteAllText(recipientsFile, "# custodians\n" + recipient + "\n");

        foreach (string[] encryptArguments in new[]
        {
            new[] { "encrypt", "-r", recipient, "-o", Path.Combine(_directory, "a.age"), plain },
            new[] { "encrypt", "-R", recipientsFile, "-a", "-o", Path.Combine(_directory, "b.age"), plain },
        })
        {
            (int code, _, string error) = Run(encryptArguments);
            Assert.True(code == 0, error);
            string encrypted = encryptArguments[^2];
            string decrypted = Path.Combine(_directory, "out.bin");
            (code, _, error) = Run("decrypt", "-i", key, "-o", decrypted, encrypted);
            Assert.True(code == 0, error);
            Assert.Equal(plaintext, File.ReadAllBytes(decrypted));
            File.Delete(decrypted);

            if (FindAge() is { } age)
            {
                (int ageCode, byte[] ageOutput) = RunAge(age, "-d", "-i", key, encrypted);
                Assert.Equal(0, ageCode);
                Assert.Equal(plaintext, ageOutput);
            }
        }
    }

    [Fact]
    public void Decrypt_failures_exit_1_and_leave_no_partial_output()
    {
        string key = Path.Combine(_directory, "custodian.key");
        string other = Path.Combine(_directory, "other.key");
        string recipient = Run("keys", "generate", "-o", key).Output.Trim();
        Run("keys", "generate", "-o", other);
        string plain = Path.Combine(_directory, "plain.bin");
        File.WriteAllBytes(plain, RandomNumberGenerator.GetBytes(300_000));
        string encrypted = Path.Combine(_directory, "c.age");
        Assert.Equal(0, Run("encrypt", "-r", recipient, "-o", encrypted, plain).ExitCode);

        string output = Path.Combine(_directory, "out.bin");
        (int code, _, string error) = Run("decrypt", "-i", other, "-o", output, encrypted);
        Assert.Equal(1, code);
        Assert.Contains("No identity matches", error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));

        byte[] damaged = File.ReadAllBytes(encrypted);
        damaged[^70_000] ^= 1;
        File.WriteAllBytes(encrypted, damaged);
        (code, _, error) = Run("decrypt", "-i", key, "-o", output, encrypted);
        Assert.Equal(1, code);
        Assert.Contains("failed authentication", error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Usage_and_file_errors_have_their_own_exit_codes()
    {
        string plain = Path.Combine(_directory, "plain.bin");
        File.WriteAllBytes(plain, [1, 2, 3]);
        (int code, _, string error) = Run("encrypt", "-r", "age1notarecipient", "-o", Path.Combine(_directory, "x.age"), plain);
        Assert.Equal(2, code);
        Assert.Contains("invalid recipient", error, StringComparison.Ordinal);
        Assert.Equal(2, Run("encrypt", "-o", Path.Combine(_directory, "x.age"), plain).ExitCode);

        string key = Path.Combine(_directory, "bad.key");
        File.WriteAllText(key, "AGE-SECRET-KEY-1NOTAKEY\n");
        (code, _, error) = Run("decrypt", "-i", key, "-o", Path.Combine(_directory, "y"), plain);
        Assert.Equal(3, code);
        Assert.Contains("line 1", error, StringComparison.Ordinal);
        Assert.DoesNotContain("NOTAKEY", error, StringComparison.Ordinal);
        Assert.Equal(3, Run("decrypt", "-i", Path.Combine(_directory, "missing.key"), plain).ExitCode);
    }

    [Fact]
    public void Keys_device_writes_a_0600_key_and_prints_the_public_key()
    {
        string key = Path.Combine(_directory, "device.key");
        (int code, string output, _) = Run("keys", "device", "-o", key);
        Assert.Equal(0, code);
        Assert.Matches("^ed25519:[A-Za-z0-9+/]{43}=$", output.Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.Equal(output.Trim(), Run("keys", "device-public", "-i", key).Output.Trim());
        Assert.Equal(3, Run("keys", "device", "-o", key).ExitCode);
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] arguments)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        RootCommand root = Program.CreateRootCommand();
        int code = root.Parse(arguments).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private static string? FindAge()
    {
        const string path = "/usr/bin/age";
        if (File.Exists(path))
        {
            return path;
        }

        ExternalTool.Missing($"'{path}' does not exist", "the Debian package age", ExternalTool.MissingToolsAllowed);
        return null;
    }

    private static (int ExitCode, byte[] Output) RunAge(string age, params string[] arguments)
    {
        var start = new ProcessStartInfo(age) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        using var output = new MemoryStream();
        Task<string> error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        _ = error.Result;
        return (process.ExitCode, output.ToArray());
    }
}
