using System.Text.RegularExpressions;

namespace Demand.Functions.Ingestion;

/// <summary>Where a log part sits: <c>logs/{merchantId}/{name}</c>, where the name may hold '/' but never '.' or '..' segments.</summary>
public static partial class BlobPath
{
    /// <summary>Merchant ids are path segments and partition keys: keep them boring.</summary>
    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    public static partial Regex MerchantIdPattern();

    /// <summary>Merchant and part name from a blob name inside the <c>logs</c> container, split as written (never resolved).</summary>
    public static bool TryParse(string blobName, out string merchantId, out string name)
    {
        merchantId = name = "";
        var segments = blobName.Split('/');
        if (segments.Length < 2 || segments.Any(s => s is "" or "." or "..") || !MerchantIdPattern().IsMatch(segments[0]))
        {
            return false;
        }

        merchantId = segments[0];
        name = string.Join('/', segments[1..]);
        return true;
    }
}
