using Azure;
using Demand.Core.Identifiers;
using Demand.Core.Scoring;
using Demand.Core.Storage;
using Demand.Infrastructure.Cosmos;
using Demand.Infrastructure.Storage;

namespace Demand.Infrastructure.Scoring;

/// <summary>Model versions as blobs <c>models/{merchantId}/{version}.onnx</c>; the merchant's model state as the <c>insights</c> document <c>model</c>.</summary>
public sealed class ModelStore(DemandCosmos cosmos, LogsStorage storage) : IModelStore
{
    public const string ModelsContainer = "models";

    private int _containerReady;

    public async Task SaveVersionAsync(MerchantId merchantId, string version, byte[] onnx, CancellationToken cancellationToken)
    {
        var container = storage.Blobs.GetBlobContainerClient(ModelsContainer);
        if (Volatile.Read(ref _containerReady) == 0)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            Volatile.Write(ref _containerReady, 1);
        }

        // A version's bytes never change (the name carries the data time and a content hash): a retry rewrites the same bytes.
        await container.GetBlobClient(BlobName(merchantId, version)).UploadAsync(BinaryData.FromBytes(onnx), overwrite: true, cancellationToken);
    }

    public async Task<byte[]?> GetVersionAsync(MerchantId merchantId, string version, CancellationToken cancellationToken)
    {
        try
        {
            var response = await storage.Blobs.GetBlobContainerClient(ModelsContainer).GetBlobClient(BlobName(merchantId, version)).DownloadContentAsync(cancellationToken);
            return response.Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public Task<MerchantModelState?> GetStateAsync(MerchantId merchantId, CancellationToken cancellationToken) =>
        CosmosDocuments.ReadAsync<MerchantModelState>(cosmos.Insights, MerchantModelState.DocumentId, DemandCosmos.MerchantKey(merchantId), cancellationToken);

    public Task<MerchantModelState> UpdateStateAsync(MerchantId merchantId, Action<MerchantModelState> change, CancellationToken cancellationToken) =>
        CosmosDocuments.UpdateAsync(
            cosmos.Insights,
            MerchantModelState.DocumentId,
            DemandCosmos.MerchantKey(merchantId),
            () => new MerchantModelState { MerchantId = merchantId },
            s =>
            {
                change(s);
                return true;
            },
            s => s.ETag,
            cancellationToken);

    private static string BlobName(MerchantId merchantId, string version) => merchantId + "/" + version + ".onnx";
}
