namespace Demand.Core.Storage;

/// <summary>Cosmos DB containers of database <c>demand</c> and their partition key paths (architecture.md, "State").</summary>
public static class Containers
{
    public const string Features = "features";
    public const string Profiles = "profiles";
    public const string ReviewNeeds = "reviewNeeds";
    public const string Insights = "insights";
    public const string Merchants = "merchants";

    public static IReadOnlyList<(string Name, IReadOnlyList<string> PartitionKeyPaths)> All { get; } =
    [
        (Features, ["/merchantId", "/userId"]),
        (Profiles, ["/merchantId", "/userId"]),
        (ReviewNeeds, ["/merchantId", "/productId"]),
        (Insights, ["/merchantId"]),
        (Merchants, ["/id"]),
    ];
}
