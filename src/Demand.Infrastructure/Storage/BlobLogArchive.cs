using Demand.Core.Identifiers;
using Demand.Core.Storage;

namespace Demand.Infrastructure.Storage;

/// <summary>The merchant's parts in the <c>logs</c> container (<c>logs/{merchantId}/{name}</c>), as uploaded.</summary>
public sealed class BlobLogArchive(LogsStorage storage) : ILogArchive
{
    public async Task<IReadOnlyList<string>> ListAsync(MerchantId merchantId, CancellationToken cancellationToken)
    {
        var container = storage.Blobs.GetBlobContainerClient(LogsStorage.LogsContainer);
        var names = new List<string>();
        var prefix = merchantId + "/";
        await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, cancellationToken))
        {
            names.Add(blob.Name[prefix.Length..]);
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    public async Task<byte[]> ReadAsync(MerchantId merchantId, string name, CancellationToken cancellationToken)
    {
        var response = await storage.Blobs.GetBlobContainerClient(LogsStorage.LogsContainer).GetBlobClient(merchantId + "/" + name).DownloadContentAsync(cancellationToken);
        return response.Value.Content.ToArray();
    }
}
