using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Demand.Core.Storage;

namespace Demand.Infrastructure.Storage;

/// <summary>
/// <see cref="IUploadUrls"/> over the <c>LogsStorage</c> account: an account-key SAS when the connection holds a key
/// (Azurite, connection strings), else a user-delegation SAS (managed identity; needs a data role that includes
/// <c>generateUserDelegationKey</c>, e.g. Storage Blob Data Contributor — infra/ grants it to the app).
/// </summary>
public sealed class BlobUploadUrls(LogsStorage storage, TimeProvider time) : IUploadUrls
{
    public async Task<Uri> CreateOnlyAsync(string blobName, DateTimeOffset expiresOn, CancellationToken cancellationToken)
    {
        var blob = storage.Blobs.GetBlobContainerClient(LogsStorage.LogsContainer).GetBlobClient(blobName);
        // Starts a little in the past: the merchant's clock may run behind the service's.
        var sas = new BlobSasBuilder(BlobSasPermissions.Create, expiresOn)
        {
            BlobContainerName = LogsStorage.LogsContainer,
            BlobName = blobName,
            Resource = "b",
            StartsOn = time.GetUtcNow().AddMinutes(-5),
            Protocol = blob.Uri.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };
        if (blob.CanGenerateSasUri)
        {
            return blob.GenerateSasUri(sas);
        }

        var key = await storage.Blobs.GetUserDelegationKeyAsync(sas.StartsOn, expiresOn, cancellationToken);
        return new BlobUriBuilder(blob.Uri) { Sas = sas.ToSasQueryParameters(key.Value, storage.Blobs.AccountName) }.ToUri();
    }
}
