using Demand.Functions.Merchants;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Demand.Functions.Dashboard;

/// <summary>
/// The dashboard's counterpart of <see cref="ApiKeyMiddleware"/>, around every <c>Dashboard…</c> function but the page,
/// its assets, sign-in and the session probe: no valid session cookie (its dashboard key revoked since, or the session signed out) → 401; a session on another
/// merchant's routes → exactly the API's 404; any method but GET/HEAD without the session's CSRF token in
/// <c>X-CSRF-Token</c> → 403. The cookie is SameSite=Strict as well; the token also stops a same-site page or a
/// forgotten form from writing. The session's key then goes through the same per-key rate limit as API keys. Route
/// <c>merchantId</c>/<c>userId</c> values breaking their rule answer the API's 400 naming the field.
/// </summary>
public sealed class DashboardSessionMiddleware(DashboardSessions sessions, MerchantKeyCache keys) : IFunctionsWorkerMiddleware
{
    private static readonly HashSet<string> Anonymous = new(StringComparer.Ordinal)
    {
        DashboardFunctionNames.Page, DashboardFunctionNames.Asset, DashboardFunctionNames.SignIn, DashboardFunctionNames.SignInLink, DashboardFunctionNames.Session,
    };

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.GetHttpContext();
        if (http is null || !DashboardRoutes.IsDashboardFunction(context.FunctionDefinition.Name) || Anonymous.Contains(context.FunctionDefinition.Name))
        {
            await next(context);
            return;
        }

        http.Response.Headers.CacheControl = "no-store";
        if (await sessions.ReadAsync(http.Request, keys, http.RequestAborted) is not var (session, sessionMerchant))
        {
            context.GetInvocationResult().Value = TypedResults.Problem(
                title: "Not signed in", detail: "Sign in to the dashboard with a dashboard key.", statusCode: StatusCodes.Status401Unauthorized);
            return;
        }

        // The same checks, in the same order, as ApiKeyMiddleware after the key: one resolver for both.
        if (MerchantRouteCheck.Problem(http, sessionMerchant) is { } problem)
        {
            context.GetInvocationResult().Value = problem;
            return;
        }

        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method)
            && !sessions.CsrfMatches(session, http.Request.Headers[DashboardSessions.CsrfHeader].ToString()))
        {
            context.GetInvocationResult().Value = TypedResults.Problem(
                title: "Missing or wrong CSRF token", detail: $"Send the session's token (GET {DashboardRoutes.BasePath}/session) in the {DashboardSessions.CsrfHeader} header.",
                statusCode: StatusCodes.Status403Forbidden);
            return;
        }

        http.Items[DashboardSessions.SessionItem] = session;
        http.Items[ApiKeyMiddleware.VerifiedKeyItem] = session.MerchantId + "." + session.KeyId;
        await next(context);

        // A handler's 404 on the merchant's own routes means "nothing yet" (no forecast, no needs for that category, an
        // unknown shopper): the page shows its empty state for a 204, and the browser logs no failed request. Another
        // merchant's routes never get here: they answered the API's 404 above.
        var result = context.GetInvocationResult().Value;
        if (HttpMethods.IsGet(http.Request.Method) && (result is INestedHttpResult nested ? nested.Result : result) is IStatusCodeHttpResult { StatusCode: StatusCodes.Status404NotFound })
        {
            context.GetInvocationResult().Value = TypedResults.NoContent();
        }
    }
}
