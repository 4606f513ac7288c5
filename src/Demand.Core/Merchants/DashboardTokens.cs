using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Demand.Core.Merchants;

/// <summary>A verified dashboard token: whose it is, which dashboard key it came from, until when, and its own id.</summary>
public sealed record DashboardToken(string MerchantId, string KeyId, DateTimeOffset ExpiresAt, string Nonce);

/// <summary>
/// Dashboard sessions and sign-in links: <c>{merchantId}.{keyId}.{expiresUnix}.{nonce}.{mac}</c>, the MAC an
/// HMAC-SHA256 over the purpose and the rest under the app's signing key, so a session cannot be forged, extended or
/// replayed as a sign-in link (or the other way round). The tokens carry no secret: the key that signed in is named by
/// id only and is checked to be still active on every request.
/// </summary>
public static class DashboardTokens
{
    public const string SessionPurpose = "session";
    public const string SignInPurpose = "sign-in";
    public const int MinimumKeyBytes = 32;

    public static string Issue(ReadOnlySpan<byte> signingKey, string purpose, string merchantId, string keyId, DateTimeOffset expiresAt)
    {
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var payload = string.Join('.', merchantId, keyId, expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), nonce);
        return payload + "." + Mac(signingKey, purpose, payload);
    }

    public static bool TryVerify(ReadOnlySpan<byte> signingKey, string purpose, string? token, DateTimeOffset now, out DashboardToken verified)
    {
        verified = null!;
        var parts = token?.Split('.');
        if (parts is not { Length: 5 } || parts[0].Length == 0 || parts[1].Length == 0
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || parts[3].Length != 24)
        {
            return false;
        }

        var payload = string.Join('.', parts[0], parts[1], parts[2], parts[3]);
        var expected = Encoding.ASCII.GetBytes(Mac(signingKey, purpose, payload));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[4])))
        {
            return false;
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(Math.Min(expires, DateTimeOffset.MaxValue.ToUnixTimeSeconds()));
        if (expiresAt <= now)
        {
            return false;
        }

        verified = new DashboardToken(parts[0], parts[1], expiresAt, parts[3]);
        return true;
    }

    /// <summary>The CSRF token of a session: derived from its nonce, so it needs no storage and dies with the session.</summary>
    public static string CsrfToken(ReadOnlySpan<byte> signingKey, DashboardToken session) => Mac(signingKey, "csrf", session.Nonce);

    public static bool CsrfMatches(ReadOnlySpan<byte> signingKey, DashboardToken session, string? presented) =>
        presented is { Length: > 0 } && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(CsrfToken(signingKey, session)), Encoding.ASCII.GetBytes(presented));

    private static string Mac(ReadOnlySpan<byte> signingKey, string purpose, string payload)
    {
        var mac = HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(purpose + "\n" + payload));
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
