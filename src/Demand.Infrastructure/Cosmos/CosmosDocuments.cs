using System.Net;
using Microsoft.Azure.Cosmos;

namespace Demand.Infrastructure.Cosmos;

/// <summary>Read-modify-write helpers: ETag If-Match with retry on 412, 404 as absent.</summary>
public static class CosmosDocuments
{
    public const int MaxConflictRetries = 20;

    public static async Task<T?> ReadAsync<T>(Container container, string id, PartitionKey partitionKey, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            var response = await container.ReadItemAsync<T>(id, partitionKey, cancellationToken: cancellationToken);
            return response.Resource;
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public static async Task<bool> DeleteAsync(Container container, string id, PartitionKey partitionKey, CancellationToken cancellationToken)
    {
        try
        {
            await container.DeleteItemAsync<object>(id, partitionKey, cancellationToken: cancellationToken);
            return true;
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads the document (or <paramref name="create"/>s it), applies <paramref name="mutate"/> and writes it back
    /// with If-Match (create: 409 on a concurrent create). On 412/409 re-reads and re-applies. <paramref name="mutate"/>
    /// returns false to skip the write (nothing to change). The returned document is what was stored.
    /// </summary>
    public static async Task<T> UpdateAsync<T>(
        Container container,
        string id,
        PartitionKey partitionKey,
        Func<T> create,
        Func<T, bool> mutate,
        Func<T, string?> etagOf,
        CancellationToken cancellationToken)
        where T : class
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await ReadAsync<T>(container, id, partitionKey, cancellationToken);
            var isNew = current is null;
            var document = current ?? create();
            if (!mutate(document))
            {
                return document;
            }

            try
            {
                var response = isNew
                    ? await container.CreateItemAsync(document, partitionKey, cancellationToken: cancellationToken)
                    : await container.ReplaceItemAsync(document, id, partitionKey, new ItemRequestOptions { IfMatchEtag = etagOf(document) }, cancellationToken);
                return response.Resource;
            }
            catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict && attempt < MaxConflictRetries)
            {
                // Someone else wrote first: back off a little (jittered) and re-apply on the fresh copy.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * (attempt + 1))), cancellationToken);
            }
        }
    }
}
