using Demand.Infrastructure.Cosmos;

namespace Demand.Cli.Commands.Bench;

/// <summary>The worker's settings for a bench: this run's emulators, quiet logs, and the runtime knobs as deployed.</summary>
internal static class BenchSettings
{
    public static Dictionary<string, string> For(CosmosOptions cosmos, string storageConnection, params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["AzureWebJobsStorage"] = storageConnection,
            ["LogsStorage"] = storageConnection,
            ["Cosmos__Endpoint"] = cosmos.Endpoint!.ToString(),
            ["Cosmos__Key"] = cosmos.Key!,
            ["Cosmos__DatabaseName"] = cosmos.DatabaseName,
            ["Cosmos__CreateIfNotExists"] = "true",
            ["Logging__LogLevel__Default"] = "Warning",

            // As deployed (infra/modules/functionapp.bicep): the worker's runtime reads it from its environment.
            ["DOTNET_GCgen0size"] = "0x4000000",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }
}
