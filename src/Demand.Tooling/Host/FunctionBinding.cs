using System.Text.Json;

namespace Demand.Tooling.Host;

/// <summary>One binding of a function as the worker describes it in <c>raw_bindings</c> (worker indexing).</summary>
public sealed record FunctionBinding
{
    public required string Name { get; init; }

    /// <summary>queueTrigger, blobTrigger, timerTrigger, httpTrigger, queue, blob, http, …</summary>
    public required string Type { get; init; }

    public required bool IsOutput { get; init; }

    /// <summary>The raw JSON, for the properties a binding kind needs (queueName, path, schedule, route, …).</summary>
    public required JsonElement Raw { get; init; }

    public string? Text(string property) =>
        Raw.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The connection setting name; an empty one means AzureWebJobsStorage, as in the real host.</summary>
    public string Connection => Text("connection") is { Length: > 0 } c ? c : "AzureWebJobsStorage";

    public static FunctionBinding Parse(string rawBinding)
    {
        var raw = JsonDocument.Parse(rawBinding).RootElement.Clone();
        return new FunctionBinding
        {
            Name = raw.GetProperty("name").GetString()!,
            Type = raw.GetProperty("type").GetString()!,
            IsOutput = raw.TryGetProperty("direction", out var d) && string.Equals(d.GetString(), "Out", StringComparison.OrdinalIgnoreCase),
            Raw = raw,
        };
    }
}
