using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Demand.Core;
using Demand.Core.Identifiers;
using Demand.Core.Scoring;
using Demand.Core.Storage;
using Demand.Infrastructure.Storage;

namespace Demand.Infrastructure.Scoring;

/// <summary>Prediction snapshots as blobs <c>models/{merchantId}/snapshots/{yyyy-MM-dd}.json</c>, beside the merchant's model versions.</summary>
public sealed class BlobPredictionSnapshots(LogsStorage storage) : IPredictionSnapshots
{
    private const string Folder = "/snapshots/";

    private int _containerReady;

    public async Task<bool> TryAddAsync(MerchantId merchantId, PredictionSnapshot snapshot, CancellationToken cancellationToken)
    {
        var container = await ContainerAsync(cancellationToken);
        try
        {
            // Create-only: a retried night (or a second night on the same data day) keeps the first snapshot of the day.
            await container.GetBlobClient(BlobName(merchantId, snapshot.AsOfDay)).UploadAsync(
                BinaryData.FromObjectAsJson(snapshot, DemandJson.Options),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } },
                cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<StoredSnapshot>> ListAsync(MerchantId merchantId, CancellationToken cancellationToken)
    {
        var container = await ContainerAsync(cancellationToken);
        var prefix = merchantId + Folder;
        var days = new List<StoredSnapshot>();
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
        {
            var name = blob.Name[prefix.Length..];
            if (name.EndsWith(".json", StringComparison.Ordinal) && DateOnly.TryParseExact(name[..^5], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                days.Add(new StoredSnapshot(day, blob.Properties.LastModified ?? DateTimeOffset.MinValue));
            }
        }

        return [.. days.OrderBy(d => d.AsOfDay)];
    }

    public async Task<PredictionSnapshot?> GetAsync(MerchantId merchantId, DateOnly asOfDay, CancellationToken cancellationToken)
    {
        try
        {
            var response = await (await ContainerAsync(cancellationToken)).GetBlobClient(BlobName(merchantId, asOfDay)).DownloadContentAsync(cancellationToken);
            return response.Value.Content.ToObjectFromJson<PredictionSnapshot>(DemandJson.Options);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task DeleteAsync(MerchantId merchantId, DateOnly asOfDay, CancellationToken cancellationToken) =>
        await (await ContainerAsync(cancellationToken)).GetBlobClient(BlobName(merchantId, asOfDay)).DeleteIfExistsAsync(cancellationToken: cancellationToken);

    private async Task<BlobContainerClient> ContainerAsync(CancellationToken cancellationToken)
    {
        var container = storage.Blobs.GetBlobContainerClient(ModelStore.ModelsContainer);
        if (Volatile.Read(ref _containerReady) == 0)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            Volatile.Write(ref _containerReady, 1);
        }

        return container;
    }

    private static string BlobName(MerchantId merchantId, DateOnly day) => merchantId + Folder + day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ".json";
}
