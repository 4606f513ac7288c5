using Demand.Core.Identifiers;

namespace Demand.Functions.Ingestion;

/// <summary>Where a log part sits: <c>logs/{merchantId}/{name}</c>, where the name may hold '/' but never '.' or '..' segments.</summary>
public static class BlobPath
{
    /// <summary>Merchant and part name from a blob name inside the <c>logs</c> container, split as written (never resolved).</summary>
    public static bool TryParse(string blobName, out MerchantId merchantId, out string name)
    {
        merchantId = default;
        name = "";
        var segments = blobName.Split('/');
        if (segments.Length < 2 || segments.Any(s => s is "" or "." or "..") || !MerchantId.TryParse(segments[0], out merchantId))
        {
            return false;
        }

        name = string.Join('/', segments[1..]);
        return true;
    }
}
