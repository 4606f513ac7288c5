using Demand.Core.Identifiers;
using Azure.Storage.Blobs;
using Demand.Core.Storage;

namespace Demand.Infrastructure.Storage;

/// <summary>Rejected rows as <c>quarantine/{merchantId}/{blobName}.rejected.jsonl</c>, overwritten on retry.</summary>
public sealed class BlobQuarantine(LogsStorage storage) : IQuarantine
{
    private int _containerReady;

    public async Task WriteAsync(MerchantId merchantId, string blobName, ReadOnlyMemory<byte> rows, CancellationToken cancellationToken)
    {
        var container = storage.Blobs.GetBlobContainerClient(LogsStorage.QuarantineContainer);
        if (Volatile.Read(ref _containerReady) == 0)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            Volatile.Write(ref _containerReady, 1);
        }

        await container.GetBlobClient(merchantId + "/" + blobName + ".rejected.jsonl")
            .UploadAsync(BinaryData.FromBytes(rows), overwrite: true, cancellationToken);
    }
}
