using Demand.Infrastructure.Cosmos;

namespace Demand.Testing;

/// <summary>Configuration keys the handler reads, as the host would pass them (environment variables, <c>__</c> for sections).</summary>
public static class HandlerSettings
{
    public static Dictionary<string, string?> ForCosmos(CosmosOptions options) => new()
    {
        ["Cosmos:Endpoint"] = options.Endpoint!.ToString(),
        ["Cosmos:Key"] = options.Key,
        ["Cosmos:DatabaseName"] = options.DatabaseName,
        ["Cosmos:CreateIfNotExists"] = "true",
    };
}
