using System.Text.Json;

namespace Demand.Hosting.Definitions;

/// <summary>The parts of <c>host.json</c> the custom handler and the local stand-in act on.</summary>
public sealed record HostSettings
{
    public required string DefaultExecutablePath { get; init; }
    public IReadOnlyList<string> Arguments { get; init; } = [];
    public string? WorkingDirectory { get; init; }
    public bool EnableProxyingHttpRequest { get; init; }
    public string RoutePrefix { get; init; } = "api";
    public int MaxDequeueCount { get; init; } = 5;
    public int BatchSize { get; init; } = 16;
    public int NewBatchThreshold { get; init; } = 8;
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.Zero;
    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan FunctionTimeout { get; init; } = TimeSpan.FromMinutes(30);

    public static HostSettings Load(string hostJsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(hostJsonPath), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var root = doc.RootElement;
        var handler = root.GetProperty("customHandler");
        var description = handler.GetProperty("description");
        var settings = new HostSettings
        {
            DefaultExecutablePath = description.GetProperty("defaultExecutablePath").GetString()!,
            Arguments = description.TryGetProperty("arguments", out var args) ? args.EnumerateArray().Select(a => a.GetString()!).ToList() : [],
            WorkingDirectory = description.TryGetProperty("workingDirectory", out var wd) ? wd.GetString() : null,
            EnableProxyingHttpRequest = handler.TryGetProperty("enableProxyingHttpRequest", out var proxy) && proxy.GetBoolean(),
            FunctionTimeout = root.TryGetProperty("functionTimeout", out var ft) ? TimeSpan.Parse(ft.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : TimeSpan.FromMinutes(30),
        };

        if (root.TryGetProperty("extensions", out var extensions))
        {
            if (extensions.TryGetProperty("http", out var http) && http.TryGetProperty("routePrefix", out var prefix))
            {
                settings = settings with { RoutePrefix = prefix.GetString() ?? "api" };
            }

            if (extensions.TryGetProperty("queues", out var queues))
            {
                settings = settings with
                {
                    MaxDequeueCount = Int(queues, "maxDequeueCount") ?? settings.MaxDequeueCount,
                    BatchSize = Int(queues, "batchSize") ?? settings.BatchSize,
                    NewBatchThreshold = Int(queues, "newBatchThreshold") ?? settings.NewBatchThreshold,
                    VisibilityTimeout = Time(queues, "visibilityTimeout") ?? settings.VisibilityTimeout,
                    MaxPollingInterval = Time(queues, "maxPollingInterval") ?? settings.MaxPollingInterval,
                };
            }
        }

        return settings;
    }

    private static int? Int(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.GetInt32() : null;

    private static TimeSpan? Time(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? TimeSpan.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : null;
}
