using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Demand.Hosting.Envelope;

/// <summary>An invocation response as the host reads it.</summary>
public sealed record HostResponse(IReadOnlyDictionary<string, JsonElement> Outputs, IReadOnlyList<string> Logs);

/// <summary>
/// How the Functions host turns a handler's <c>Outputs</c> into messages and blobs (custom-handler-contract.md),
/// including the base64 trap: a string output that happens to be valid base64 is decoded to bytes.
/// </summary>
public static class HostOutputs
{
    public static HostResponse Parse(ReadOnlySpan<byte> body)
    {
        var outputs = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var logs = new List<string>();
        var reader = new Utf8JsonReader(body);
        using var doc = JsonDocument.ParseValue(ref reader);
        if (doc.RootElement.TryGetProperty("Outputs", out var o) && o.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in o.EnumerateObject())
            {
                outputs[property.Name] = property.Value.Clone();
            }
        }

        if (doc.RootElement.TryGetProperty("Logs", out var l) && l.ValueKind == JsonValueKind.Array)
        {
            foreach (var line in l.EnumerateArray())
            {
                logs.Add(line.ValueKind == JsonValueKind.String ? line.GetString()! : line.GetRawText());
            }
        }

        if (doc.RootElement.TryGetProperty("ReturnValue", out var rv) && rv.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            throw new InvocationFormatException("ReturnValue must be null: an object there overwrites Outputs.");
        }

        return new HostResponse(outputs, logs);
    }

    /// <summary>The queue messages one output value produces: an array gives one message per element.</summary>
    public static IReadOnlyList<byte[]> QueueMessages(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            return value.EnumerateArray().Select(SingleValue).ToList();
        }

        return value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined ? [] : [SingleValue(value)];
    }

    /// <summary>The bytes a blob output value produces.</summary>
    public static byte[] BlobContent(JsonElement value) => SingleValue(value);

    private static byte[] SingleValue(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return Encoding.UTF8.GetBytes(value.GetRawText());
        }

        var text = value.GetString()!;
        var utf8 = Encoding.UTF8.GetBytes(text);
        if (utf8.Length > 0 && Base64.IsValid(utf8))
        {
            var decoded = new byte[Base64.GetMaxDecodedFromUtf8Length(utf8.Length)];
            if (Base64.DecodeFromUtf8(utf8, decoded, out _, out var written) == OperationStatus.Done)
            {
                return decoded[..written];
            }
        }

        return utf8;
    }
}
