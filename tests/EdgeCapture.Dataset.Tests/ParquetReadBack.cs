using System.Text.Json;

namespace EdgeCapture.Dataset.Tests;

/// <summary>Reads the export's Parquet files with hyparquet under node (tests/EdgeCapture.Dataset.Tests/reader/read.mjs).</summary>
internal static class ParquetReadBack
{
    /// <summary>Every file of a folder, as the reader describes them (path, rows, key/value metadata, schema, data).</summary>
    public static JsonElement ReadFiles(string folder)
    {
        string? reader = ExternalTools.ParquetReader();
        if (reader is null)
        {
            return JsonDocument.Parse("[]").RootElement;
        }

        string[] files = [.. Directory.GetFiles(folder, "*.parquet").Order(StringComparer.Ordinal)];
        Assert.NotEmpty(files);
        (int exit, string output, string error) = ExternalTools.Run(ExternalTools.Find("node")!, ["read.mjs", .. files], reader);
        Assert.True(exit == 0, $"hyparquet could not read {folder} ({exit}): {error}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    /// <summary>All rows of a config, in shard order.</summary>
    public static JsonElement Read(string output, string config)
    {
        JsonElement files = ReadFiles(Path.Combine(output, "data", config));
        var rows = new List<JsonElement>();
        foreach (JsonElement file in files.EnumerateArray())
        {
            rows.AddRange(file.GetProperty("data").EnumerateArray());
        }

        return JsonSerializer.SerializeToElement(rows);
    }
}
