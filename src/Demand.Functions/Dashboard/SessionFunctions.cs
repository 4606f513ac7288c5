using Demand.Core.Identifiers;
using Demand.Functions.Merchants;
using Demand.Core.Merchants;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Dashboard;

/// <summary>Sign-in (a dashboard key posted by the page's form, or a sign-in link), the session's details, sign-out.</summary>
public sealed class SessionFunctions(DashboardSessions sessions, MerchantKeyCache keys)
{
    [Function(DashboardFunctionNames.SignIn)]
    public async Task<IResult> SignIn([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = DashboardRoutes.Session)] HttpRequest request, CancellationToken cancellationToken)
    {
        // A sign-in started by another site (login CSRF: signing the victim in as the attacker) is refused; browsers
        // send Sec-Fetch-Site on every request.
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site is "cross-site" or "same-site")
        {
            return TypedResults.Problem(title: "Cross-site sign-in refused", statusCode: StatusCodes.Status403Forbidden);
        }

        if (!sessions.Enabled)
        {
            return SessionHandlers.BackToPage("unavailable");
        }

        var key = request.HasFormContentType ? (await request.ReadFormAsync(cancellationToken))["key"].ToString() : "";
        if (!ApiKeys.TryParse(key, KeyScope.Dashboard, out var merchantId, out var keyId, out var secret)
            || !await keys.VerifyDashboardAsync(merchantId, keyId, secret, cancellationToken))
        {
            return SessionHandlers.BackToPage("failed");
        }

        sessions.Start(request.HttpContext.Response, merchantId, keyId);
        return SessionHandlers.BackToPage(null);
    }

    [Function(DashboardFunctionNames.SignInLink)]
    public async Task<IResult> SignInLink([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.SignInLink)] HttpRequest request, CancellationToken cancellationToken)
    {
        // The link's token would otherwise leak to whatever the next page links to.
        request.HttpContext.Response.Headers["Referrer-Policy"] = "no-referrer";
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        // A link or cookie signed for an id the rule no longer admits is simply not valid (never a 500).
        if (!sessions.TryRedeemLink(request.Query["ticket"].ToString(), out var link) || !MerchantId.TryParse(link.MerchantId, out var linkMerchant)
            || !await keys.IsActiveDashboardKeyAsync(linkMerchant, link.KeyId, cancellationToken))
        {
            return SessionHandlers.BackToPage("expired");
        }

        sessions.Start(request.HttpContext.Response, link.MerchantId, link.KeyId);
        return SessionHandlers.BackToPage(null);
    }

    /// <summary>The page's first call: who is signed in (nobody is a 200 too, so a signed-out page logs no failed request).</summary>
    [Function(DashboardFunctionNames.Session)]
    public async Task<Ok<SessionResponse>> Session([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.Session)] HttpRequest request, CancellationToken cancellationToken)
    {
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        return await sessions.ReadAsync(request, keys, cancellationToken) is var (session, _)
            ? TypedResults.Ok(new SessionResponse(session.MerchantId, sessions.CsrfToken(session), session.ExpiresAt))
            : TypedResults.Ok(new SessionResponse(null, null, null));
    }

    /// <summary>Behind the session middleware (a valid session and its CSRF token): ends the session server-side, then deletes the cookie.</summary>
    [Function(DashboardFunctionNames.SignOut)]
    public async Task<NoContent> SignOut(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = DashboardRoutes.Session)] HttpRequest request, CancellationToken cancellationToken)
    {
        var session = (DashboardToken)request.HttpContext.Items[DashboardSessions.SessionItem]!;
        await sessions.EndAsync(request.HttpContext.Response, MerchantId.Parse(session.MerchantId), session, cancellationToken);
        return TypedResults.NoContent();
    }
}

/// <summary>Shared answers of <see cref="SessionFunctions"/>.</summary>
public static class SessionHandlers
{
    /// <summary>303 to the page (GET), with why sign-in did not happen for the page to say.</summary>
    public static IResult BackToPage(string? signInProblem) =>
        new SeeOther(DashboardRoutes.BasePath + (signInProblem is null ? "" : "?signin=" + signInProblem));

    private sealed class SeeOther(string url) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = url;
            return Task.CompletedTask;
        }
    }
}

/// <summary>The signed-in merchant, the CSRF token for writes and when the session ends.</summary>
public sealed record SessionResponse(string? MerchantId, string? CsrfToken, DateTimeOffset? ExpiresAt);
