
namespace EdgeCapture.Video.Tests.Firmware;

public sealed class EdidTests
{
    public static TheoryData<string, int> Variants => new()
    {
        { "edgecapture-1080p50.bin", 50 },
        { "edgecapture-1080p60.bin", 60 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void The_edid_is_a_base_block_and_a_cta_extension_with_valid_checksums(string file, int preferredRefresh)
    {
        byte[] edid = File.ReadAllBytes(RepositoryPaths.Firmware("edid", file));
        Assert.Equal(256, edid.Length);
        Assert.Equal(new byte[] { 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00 }, edid[..8]);
        Assert.Equal(1, edid[126]);
        Assert.Equal(0, edid.Take(128).Sum(b => b) % 256);
        Assert.Equal(0x02, edid[128]);
        Assert.Equal(0x03, edid[129]);
        Assert.Equal(0, edid.Skip(128).Sum(b => b) % 256);

        // The preferred (first) detailed timing, decoded here independently of edid-decode.
        ReadOnlySpan<byte> timing = edid.AsSpan(54, 18);
        int pixelClockKilohertz = (timing[0] | (timing[1] << 8)) * 10;
        int horizontalActive = timing[2] | ((timing[4] >> 4) << 8);
        int horizontalBlank = timing[3] | ((timing[4] & 0x0F) << 8);
        int verticalActive = timing[5] | ((timing[7] >> 4) << 8);
        int verticalBlank = timing[6] | ((timing[7] & 0x0F) << 8);
        double refresh = pixelClockKilohertz * 1000.0 / ((horizontalActive + horizontalBlank) * (verticalActive + verticalBlank));
        Assert.Equal((1920, 1080, 148_500), (horizontalActive, verticalActive, pixelClockKilohertz));
        Assert.Equal(preferredRefresh, Math.Round(refresh, 3));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Edid_decode_accepts_it_and_lists_the_modes_we_promise(string file, int preferredRefresh)
    {
        string? edidDecode = ExternalTool.Require("edid-decode", "the Debian package edid-decode");
        if (edidDecode is null)
        {
            return;
        }

        (int exitCode, byte[] output, string error) = ExternalTool.Run(edidDecode, ["--check", RepositoryPaths.Firmware("edid", file)]);
        string report = System.Text.Encoding.UTF8.GetString(output) + error;
        Assert.True(exitCode == 0, report);
        Assert.Contains("EDID conformity: PASS", report, StringComparison.Ordinal);
        Assert.DoesNotContain("Warnings:", report, StringComparison.Ordinal);
        Assert.Contains("Vendor-Specific Data Block (HDMI), OUI 00-0C-03", report, StringComparison.Ordinal);
        Assert.Contains($"DTD 1:  1920x1080   {preferredRefresh}.000000 Hz", report, StringComparison.Ordinal);
        Assert.Contains("VIC  31:  1920x1080   50.000000 Hz", report, StringComparison.Ordinal);
        Assert.Contains("VIC   4:  1280x720    60.000000 Hz", report, StringComparison.Ordinal);
        Assert.Contains("VIC  19:  1280x720    50.000000 Hz", report, StringComparison.Ordinal);
        Assert.Contains("VIC  18:   720x576    50.000000 Hz", report, StringComparison.Ordinal);
        Assert.Contains("VIC   1:   640x480    59.940476 Hz", report, StringComparison.Ordinal);
        Assert.Contains("1024x768    60.003840 Hz", report, StringComparison.Ordinal);
        Assert.Contains("Basic audio support", report, StringComparison.Ordinal);
        if (preferredRefresh == 50)
        {
            // Two CSI lanes cannot carry 1080p60: the EDID must not offer it, or the laptop would pick it.
            Assert.DoesNotContain("1920x1080   60.000000 Hz", report, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("VIC  16:  1920x1080   60.000000 Hz", report, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_generator_reproduces_the_committed_binaries()
    {
        string? python = ExternalTool.Require("python3", "the Debian package python3");
        if (python is null)
        {
            return;
        }

        string directory = Directory.CreateTempSubdirectory("edid-").FullName;
        try
        {
            (int exitCode, _, string error) = ExternalTool.Run(python, [RepositoryPaths.Firmware("edid", "generate-edid.py"), directory]);
            Assert.True(exitCode == 0, error);
            foreach (string file in new[] { "edgecapture-1080p50.bin", "edgecapture-1080p60.bin" })
            {
                Assert.Equal(File.ReadAllBytes(RepositoryPaths.Firmware("edid", file)), File.ReadAllBytes(Path.Combine(directory, file)));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
