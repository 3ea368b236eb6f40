using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeCapture.Protocol.Fleet;

/// <summary>
/// Serialization of the fleet messages a box publishes about itself (birth, death, status, reported configuration,
/// responses, audit): camelCase JSON, unknown members refused on reading, every failure a <see cref="FleetMessageFormatException"/>.
/// </summary>
public static class FleetJsonMessages
{
    /// <summary>The serializer options (shared, immutable once used).</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>Encodes a message as UTF-8 JSON.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="message">The message.</param>
    /// <returns>The bytes.</returns>
    public static byte[] Encode<T>(T message) => JsonSerializer.SerializeToUtf8Bytes(message, Options);

    /// <summary>Decodes a message strictly.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="payload">The bytes received.</param>
    /// <returns>The message.</returns>
    /// <exception cref="FleetMessageFormatException">Malformed, too large or not this message.</exception>
    public static T Decode<T>(ReadOnlySpan<byte> payload)
        where T : class
    {
        if (payload.Length > FleetJson.MaximumMessageBytes)
        {
            throw new FleetMessageFormatException($"the {typeof(T).Name} message is larger than {FleetJson.MaximumMessageBytes} bytes");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(payload, Options) ?? throw new FleetMessageFormatException($"the {typeof(T).Name} message is null");
        }
        catch (JsonException exception)
        {
            throw new FleetMessageFormatException($"not a valid {typeof(T).Name} message: {exception.Message}", exception);
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or NotSupportedException or FormatException)
        {
            throw new FleetMessageFormatException($"not a valid {typeof(T).Name} message: {exception.Message}", exception);
        }
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            MaxDepth = 16,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
