using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace Demand.Core.Merchants;

/// <summary>
/// One API key of a merchant, stored as a SHA-256 hash of its secret (keys are high-entropy, so no slow hash is needed).
/// <paramref name="Scope"/> is null for storefront (API) keys, written before scopes existed, and <c>dashboard</c> for
/// keys that only sign in to the dashboard.
/// </summary>
public sealed record StoredApiKey(string KeyId, string SecretHash, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, string? Scope = null);

/// <summary>What a key may do: call the HTTP API (storefront), or sign in to the dashboard. A key has exactly one.</summary>
public enum KeyScope
{
    Storefront,
    Dashboard,
}

/// <summary>The <c>merchants</c> document <c>{merchantId}</c>: settings and hashed API keys (several, for rotation).</summary>
public sealed class MerchantDocument
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public List<StoredApiKey> ApiKeys { get; set; } = [];

    [JsonPropertyName("_etag")]
    public string? ETag { get; set; }
}

/// <summary>
/// API keys look like <c>dk.{merchantId}.{keyId}.{secret}</c> (dashboard keys <c>dd.…</c>): the merchant and key id
/// make verification one point read; the 256-bit secret is compared by hash in constant time.
/// </summary>
public static class ApiKeys
{
    public const string Prefix = "dk";
    public const string DashboardPrefix = "dd";
    public const string DashboardScope = "dashboard";

    public static (string Key, StoredApiKey Stored) Create(string merchantId, DateTimeOffset now, KeyScope scope = KeyScope.Storefront)
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        return scope == KeyScope.Dashboard
            ? ($"{DashboardPrefix}.{merchantId}.{keyId}.{secret}", new StoredApiKey(keyId, Hash(secret), now, null, DashboardScope))
            : ($"{Prefix}.{merchantId}.{keyId}.{secret}", new StoredApiKey(keyId, Hash(secret), now, null));
    }

    /// <summary>Parses a storefront (API) key; a dashboard key does not parse here.</summary>
    public static bool TryParse(string? key, out string merchantId, out string keyId, out string secret) =>
        TryParse(key, KeyScope.Storefront, out merchantId, out keyId, out secret);

    public static bool TryParse(string? key, KeyScope scope, out string merchantId, out string keyId, out string secret)
    {
        merchantId = keyId = secret = "";
        var parts = key?.Trim().Split('.');
        var prefix = scope == KeyScope.Dashboard ? DashboardPrefix : Prefix;
        if (parts is not { Length: 4 } || parts[0] != prefix || parts[1].Length == 0 || parts[2].Length != 8 || parts[3].Length < 32)
        {
            return false;
        }

        (merchantId, keyId, secret) = (parts[1], parts[2], parts[3]);
        return true;
    }

    /// <summary>Whether <paramref name="secret"/> matches an unrevoked storefront key <paramref name="keyId"/> of the merchant.</summary>
    public static bool Verify(MerchantDocument merchant, string keyId, string secret) => Verify(merchant, keyId, secret, KeyScope.Storefront);

    /// <summary>Whether <paramref name="secret"/> matches an unrevoked key <paramref name="keyId"/> of the merchant in <paramref name="scope"/>.</summary>
    public static bool Verify(MerchantDocument merchant, string keyId, string secret, KeyScope scope)
    {
        var presented = Convert.FromHexString(Hash(secret));
        var match = false;
        foreach (var stored in merchant.ApiKeys)
        {
            // Compare every key's hash so timing does not reveal which key ids exist.
            var equal = CryptographicOperations.FixedTimeEquals(presented, Convert.FromHexString(stored.SecretHash));
            match |= equal && stored.KeyId == keyId && stored.RevokedAt is null && ScopeOf(stored) == scope;
        }

        return match;
    }

    /// <summary>Whether <paramref name="keyId"/> is still an unrevoked key of the merchant in <paramref name="scope"/> (a signed session names its key).</summary>
    public static bool IsActive(MerchantDocument merchant, string keyId, KeyScope scope) =>
        merchant.ApiKeys.Any(k => k.KeyId == keyId && k.RevokedAt is null && ScopeOf(k) == scope);

    private static KeyScope ScopeOf(StoredApiKey key) => key.Scope == DashboardScope ? KeyScope.Dashboard : KeyScope.Storefront;

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
