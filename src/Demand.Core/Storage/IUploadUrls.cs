namespace Demand.Core.Storage;

/// <summary>
/// Signs URLs that let a merchant write exactly one new log part and nothing else: create-only (an existing blob cannot
/// be overwritten), one blob name, short-lived. In Azure a user-delegation SAS signed with the app's managed identity;
/// locally (Azurite) an account-key SAS, which Azurite checks the same way.
/// </summary>
public interface IUploadUrls
{
    /// <summary>A URL that can create <paramref name="blobName"/> in the logs container (and only that) until <paramref name="expiresOn"/>.</summary>
    Task<Uri> CreateOnlyAsync(string blobName, DateTimeOffset expiresOn, CancellationToken cancellationToken);
}
