using System.Text.Json.Nodes;
using Parquet.Schema;

namespace EdgeCapture.Dataset.Output;

/// <summary>
/// The two configs' columns, once: the Parquet schema, the Hugging Face features (footer key <c>huggingface</c> and the
/// card's <c>dataset_info</c>) and the card's column table all come from these lists, so they cannot disagree.
/// </summary>
internal static class DatasetSchema
{
    /// <summary>A column: name, Hugging Face dtype (or <c>image</c>), and what it means.</summary>
    internal sealed record Column(string Name, string Dtype, string Meaning);

    public static readonly Column[] EventColumns =
    [
        new("session", "string", "Session id (UUID)."),
        new("t_ns", "int64", "Box monotonic clock, ns (frames share it)."),
        new("wall_time_ns", "int64", "Wall clock, Unix ns, from the segment header's anchor pair."),
        new("time_stamp", "float64", "Wall clock in seconds (DuckTrack's time_stamp)."),
        new("action", "string", "move, click, scroll, press, release, pause, resume or suppressed."),
        new("x", "int32", "Pointer X in screen pixels (pointer rows)."),
        new("y", "int32", "Pointer Y in screen pixels (pointer rows)."),
        new("dx", "int32", "move: relative counts; scroll: horizontal detents."),
        new("dy", "int32", "move: relative counts; scroll: vertical detents (up positive)."),
        new("button", "string", "left, right, middle, back, forward (click rows)."),
        new("pressed", "bool", "click/press: true down, false up."),
        new("key", "string", "Key name through the layout (PyAutoGUI names)."),
        new("hid_usage_page", "int32", "HID usage page of the key (7 keyboard, 12 consumer)."),
        new("hid_usage_id", "int32", "HID usage id of the key."),
        new("coordinate_source", "string", "absolute or estimated (pointer rows)."),
        new("correction_dx", "int32", "Click rows: X correction applied from the pointer found in the frame before."),
        new("correction_dy", "int32", "Click rows: Y correction applied."),
        new("marker", "string", "pause/resume: privacy; suppressed: lock_screen_begin or lock_screen_end."),
    ];

    public static readonly Column[] StepColumns =
    [
        new("session", "string", "Session id (UUID)."),
        new("step_index", "int32", "Position of the step in its session."),
        new("action", "string", "click, doubleClick, rightClick, drag, scroll, hscroll, write, press, hotkey or moveTo."),
        new("t_start_ns", "int64", "Monotonic time the step began."),
        new("t_end_ns", "int64", "Monotonic time the step ended."),
        new("time_stamp", "float64", "Wall clock of the start, seconds."),
        new("x", "float64", "Pointer X, 0-1 of the screen width (drag: start)."),
        new("y", "float64", "Pointer Y, 0-1 of the screen height (drag: start)."),
        new("end_x", "float64", "drag: end X, 0-1."),
        new("end_y", "float64", "drag: end Y, 0-1."),
        new("text", "string", "write: the typed text."),
        new("keys", "string", "press: the key; hotkey: keys joined with '+'."),
        new("amount", "int32", "scroll/hscroll: detents (scroll: up positive; hscroll: right positive)."),
        new("button", "string", "Mouse button of click/drag steps."),
        new("code", "string", "PyAutoGUI code as AgentNet writes it, coordinates 0-1."),
        new("coordinate_source", "string", "absolute or estimated (pointer steps)."),
        new("image_before", "image", "The frame before the step began (HF Image: bytes, path)."),
        new("image_after", "image", "The first frame after the step ended (HF Image: bytes, path)."),
    ];

    public static ParquetSchema ToParquet(Column[] columns) => new(columns.Select(ToField));

    /// <summary>The Hugging Face features object for a config.</summary>
    public static JsonObject Features(Column[] columns)
    {
        var features = new JsonObject();
        foreach (Column column in columns)
        {
            features[column.Name] = column.Dtype == "image"
                ? new JsonObject { ["_type"] = "Image" }
                : new JsonObject { ["dtype"] = column.Dtype, ["_type"] = "Value" };
        }

        return features;
    }

    /// <summary>The footer value of the <c>huggingface</c> key: <c>{"info":{"features":...}}</c>.</summary>
    public static string FooterJson(Column[] columns) =>
        new JsonObject { ["info"] = new JsonObject { ["features"] = Features(columns) } }.ToJsonString();

    private static Field ToField(Column column) => column.Dtype switch
    {
        "string" => new DataField<string>(column.Name, nullable: true),
        "int64" => new DataField<long>(column.Name),
        "int32" => new DataField<int?>(column.Name),
        "float64" => column.Name == "time_stamp" ? new DataField<double>(column.Name) : new DataField<double?>(column.Name),
        "bool" => new DataField<bool?>(column.Name),
        "image" => new StructField(column.Name, new DataField<byte[]>("bytes", nullable: true), new DataField<string>("path", nullable: true)),
        _ => throw new InvalidOperationException($"Unknown dtype {column.Dtype}."),
    };
}
