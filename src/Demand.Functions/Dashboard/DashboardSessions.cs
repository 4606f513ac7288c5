using Demand.Core.Identifiers;
using Demand.Core.Merchants;
using Demand.Core.Storage;
using Demand.Functions.Merchants;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Dashboard;

/// <summary>
/// The session cookie: a <see cref="DashboardTokens"/> session token, HttpOnly (page script never sees it), Secure,
/// SameSite=Strict (never sent on a request another site starts), scoped to the dashboard's path, with a fixed
/// lifetime of <c>Dashboard:SessionMinutes</c>.
/// </summary>
public sealed class DashboardSessions(IOptions<DashboardOptions> options, IDashboardSessionStore ended, TimeProvider time)
{
    public const string CookieName = "demand_session";
    public const string CsrfHeader = "X-CSRF-Token";

    /// <summary>The verified session for the handlers after the middleware.</summary>
    internal const string SessionItem = "Demand.DashboardSession";

    private readonly byte[]? _key = options.Value.SigningKeyBytes();

    /// <summary>False when no signing key is configured: nobody can sign in.</summary>
    public bool Enabled => _key is not null;

    public DateTimeOffset Now => time.GetUtcNow();

    public DashboardToken Start(HttpResponse response, string merchantId, string keyId)
    {
        var expires = time.GetUtcNow().AddMinutes(options.Value.SessionMinutes);
        var token = DashboardTokens.Issue(Key, DashboardTokens.SessionPurpose, merchantId, keyId, expires);
        response.Cookies.Append(CookieName, token, Cookie(TimeSpan.FromMinutes(options.Value.SessionMinutes)));
        DashboardTokens.TryVerify(Key, DashboardTokens.SessionPurpose, token, time.GetUtcNow(), out var session);
        return session;
    }

    /// <summary>Sign-out: the session is recorded as ended (a copy of the cookie stops working too), and the cookie is deleted.</summary>
    public async Task EndAsync(HttpResponse response, MerchantId merchantId, DashboardToken session, CancellationToken cancellationToken)
    {
        await ended.EndAsync(merchantId, session.Nonce, session.ExpiresAt, cancellationToken);
        response.Cookies.Delete(CookieName, Cookie(null));
    }

    /// <summary>
    /// The request's session when it is one: signed by us, unexpired, for a merchant id the rule admits (a cookie signed
    /// for an id the rule no longer admits is no session, never a 500), its dashboard key still active and not signed out.
    /// </summary>
    public async Task<(DashboardToken Session, MerchantId MerchantId)?> ReadAsync(HttpRequest request, MerchantKeyCache keys, CancellationToken cancellationToken)
    {
        if (!TryRead(request, out var session) || !MerchantId.TryParse(session.MerchantId, out var merchantId)
            || !await keys.IsActiveDashboardKeyAsync(merchantId, session.KeyId, cancellationToken)
            || await ended.IsEndedAsync(merchantId, session.Nonce, cancellationToken))
        {
            return null;
        }

        return (session, merchantId);
    }

    public bool TryRead(HttpRequest request, out DashboardToken session)
    {
        session = null!;
        return _key is not null && DashboardTokens.TryVerify(_key, DashboardTokens.SessionPurpose, request.Cookies[CookieName], time.GetUtcNow(), out session);
    }

    public bool TryRedeemLink(string? ticket, out DashboardToken link)
    {
        link = null!;
        return _key is not null && DashboardTokens.TryVerify(_key, DashboardTokens.SignInPurpose, ticket, time.GetUtcNow(), out link);
    }

    public string CsrfToken(DashboardToken session) => DashboardTokens.CsrfToken(Key, session);

    public bool CsrfMatches(DashboardToken session, string? presented) => DashboardTokens.CsrfMatches(Key, session, presented);

    private byte[] Key => _key ?? throw new InvalidOperationException("Dashboard:SigningKey is not configured.");

    // Max-Age, not Expires: the browser counts the lifetime on its own clock, so a skewed Date header (a proxy's, or a
    // stalled server's) cannot lengthen the cookie's life. The token inside carries the authoritative expiry anyway.
    private static CookieOptions Cookie(TimeSpan? maxAge) => new()
    {
        HttpOnly = true,
        Secure = true,
        SameSite = SameSiteMode.Strict,
        Path = DashboardRoutes.BasePath,
        MaxAge = maxAge,
        IsEssential = true,
    };
}
