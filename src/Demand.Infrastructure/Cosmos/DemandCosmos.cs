using Demand.Core.Storage;
using Microsoft.Azure.Cosmos;

namespace Demand.Infrastructure.Cosmos;

/// <summary>The <c>demand</c> database and its containers (architecture.md, "State").</summary>
public sealed class DemandCosmos(CosmosClient client, string databaseName)
{
    public CosmosClient Client { get; } = client;

    public Database Database { get; } = client.GetDatabase(databaseName);

    public Container Features => Database.GetContainer(Containers.Features);

    public Container Profiles => Database.GetContainer(Containers.Profiles);

    public Container ReviewNeeds => Database.GetContainer(Containers.ReviewNeeds);

    public Container Insights => Database.GetContainer(Containers.Insights);

    public Container Merchants => Database.GetContainer(Containers.Merchants);

    public static PartitionKey UserKey(string merchantId, string userId) =>
        new PartitionKeyBuilder().Add(merchantId).Add(userId).Build();

    public static PartitionKey ProductKey(string merchantId, string productId) =>
        new PartitionKeyBuilder().Add(merchantId).Add(productId).Build();

    public static PartitionKey MerchantKey(string merchantId) => new(merchantId);

    /// <summary>Creates the database and every container if missing (idempotent).</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var database = (await Client.CreateDatabaseIfNotExistsAsync(Database.Id, cancellationToken: cancellationToken)).Database;
        foreach (var (name, paths) in Containers.All)
        {
            var properties = paths.Count == 1
                ? new ContainerProperties(name, paths[0])
                : new ContainerProperties(name, paths.ToList());
            await database.CreateContainerIfNotExistsAsync(properties, cancellationToken: cancellationToken);
        }
    }
}
