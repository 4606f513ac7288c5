using System.Globalization;
using System.Text.Json;

namespace Demand.Tooling.Host;

/// <summary>
/// The host.json settings the local host honours, with the real host's defaults: the HTTP route prefix, the
/// queue trigger settings (extensions.queues) and functionTimeout.
/// </summary>
public sealed record HostJson
{
    public string RoutePrefix { get; init; } = "api";

    public int QueueBatchSize { get; init; } = 16;

    /// <summary>The real host's default is batchSize / 2: a new batch is fetched when this few remain in flight.</summary>
    public int QueueNewBatchThreshold { get; init; } = 8;

    /// <summary>How long a failed message stays invisible before its retry.</summary>
    public TimeSpan QueueVisibilityTimeout { get; init; } = TimeSpan.Zero;

    public int QueueMaxDequeueCount { get; init; } = 5;

    public TimeSpan QueueMaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>base64 (the Queues extension v5 default) or none.</summary>
    public bool QueueMessagesAreBase64 { get; init; } = true;

    public TimeSpan? FunctionTimeout { get; init; }

    public static HostJson Load(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "host.json");
        if (!File.Exists(path))
        {
            return new HostJson();
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return Parse(document.RootElement);
    }

    public static HostJson Parse(JsonElement root)
    {
        var result = new HostJson();
        if (Property(root, "functionTimeout") is { ValueKind: JsonValueKind.String } timeout)
        {
            result = result with { FunctionTimeout = ParseTimeSpan(timeout.GetString()!) };
        }

        var extensions = Property(root, "extensions");
        if (extensions is { } ext && Property(ext, "http") is { } http && Property(http, "routePrefix") is { ValueKind: JsonValueKind.String } prefix)
        {
            result = result with { RoutePrefix = prefix.GetString()!.Trim('/') };
        }

        if (extensions is { } e && Property(e, "queues") is { } queues)
        {
            var batchSize = Property(queues, "batchSize")?.GetInt32() ?? result.QueueBatchSize;
            result = result with
            {
                QueueBatchSize = batchSize,
                QueueNewBatchThreshold = Property(queues, "newBatchThreshold")?.GetInt32() ?? batchSize / 2,
                QueueMaxDequeueCount = Property(queues, "maxDequeueCount")?.GetInt32() ?? result.QueueMaxDequeueCount,
                QueueVisibilityTimeout = Property(queues, "visibilityTimeout") is { } v ? ParseTimeSpan(v.GetString()!) : result.QueueVisibilityTimeout,
                QueueMaxPollingInterval = Property(queues, "maxPollingInterval") is { } p ? ParseTimeSpan(p.GetString()!) : result.QueueMaxPollingInterval,
                QueueMessagesAreBase64 = Property(queues, "messageEncoding") is not { } enc || !string.Equals(enc.GetString(), "none", StringComparison.OrdinalIgnoreCase),
            };
        }

        return result;
    }

    // host.json keys are case-insensitive in the real host.
    private static JsonElement? Property(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    private static TimeSpan ParseTimeSpan(string value) => TimeSpan.Parse(value, CultureInfo.InvariantCulture);
}
