using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Demand.Core.Ingestion;

/// <summary>
/// Which part a blob is: merchant + blob name + content hash. The merchant and name come from the decoded
/// blob URI (<c>…/logs/{merchantId}/{name…}</c>, name may contain '/'), never from a file system path.
/// </summary>
public sealed record PartIdentity(string MerchantId, string Name, string ContentHash)
{
    private static readonly SearchValues<char> MerchantChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");

    /// <summary>Stable id usable as a Cosmos id: hex of SHA-256(merchant, name, content hash), 32 chars.</summary>
    public string PartId
    {
        get
        {
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(Encoding.UTF8.GetBytes(MerchantId + "\n" + Name + "\n" + ContentHash), hash);
            return Convert.ToHexStringLower(hash[..16]);
        }
    }

    public static bool IsValidMerchantId(string? merchantId) =>
        !string.IsNullOrEmpty(merchantId) && merchantId.Length <= 64 && !merchantId.AsSpan().ContainsAnyExcept(MerchantChars);

    /// <summary>Reads merchant and name from a blob URI in container <c>logs</c>.</summary>
    /// <exception cref="FormatException">The URI is not a log blob of a valid merchant.</exception>
    public static (string MerchantId, string Name) FromBlobUri(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var path = Uri.UnescapeDataString(uri.AbsolutePath).TrimStart('/');

        // Azurite and the local stand-in put the account name first: /devstoreaccount1/logs/…
        var logs = path.StartsWith("logs/", StringComparison.Ordinal) ? 0 : path.IndexOf("/logs/", StringComparison.Ordinal) + 1;
        if (logs < 0 || (logs == 0 && !path.StartsWith("logs/", StringComparison.Ordinal)))
        {
            throw new FormatException("The blob is not in the logs container.");
        }

        var rest = path[(logs + "logs/".Length)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == rest.Length - 1)
        {
            throw new FormatException("The blob path is not logs/{merchantId}/{name}.");
        }

        var merchantId = rest[..slash];
        var name = rest[(slash + 1)..];
        if (!IsValidMerchantId(merchantId))
        {
            throw new FormatException("The merchant id in the blob path is not valid (1-64 of A-Z a-z 0-9 - _).");
        }

        if (name.Length > 1024 || name.Contains('\0', StringComparison.Ordinal) || name.Split('/').Any(s => s is "" or "." or ".."))
        {
            throw new FormatException("The blob name is not valid.");
        }

        return (merchantId, name);
    }

    public static string HashContent(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));
}
