using Demand.Core.Identifiers;
using Demand.Core.Merchants;
using Demand.Functions.Dashboard;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Demand.Functions.Merchants;

/// <summary>
/// Per-merchant API keys (header <c>X-Api-Key</c>) on every <c>/api/v1/merchants/{merchantId}/…</c> function: a missing
/// or wrong key answers 401 before any body is read; a valid key used on another merchant's routes answers exactly like
/// an id that does not exist (404), so tenants cannot probe each other. Keys are never logged. After the key, the route's
/// <c>merchantId</c> and <c>userId</c> are checked against their one rule (<see cref="MerchantId"/>, <see cref="UserId"/>):
/// an invalid one answers 400 naming the field, before any handler or store sees it (<see cref="MerchantRouteCheck"/>). Dashboard functions are
/// left to <see cref="DashboardSessionMiddleware"/> (a session cookie, not a key).
/// </summary>
public sealed class ApiKeyMiddleware(MerchantKeyCache keys) : IFunctionsWorkerMiddleware
{
    public const string Header = "X-Api-Key";

    /// <summary>The verified key (<c>merchant.keyId</c>) for the middleware after this one; never the secret.</summary>
    internal const string VerifiedKeyItem = "Demand.VerifiedKey";

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.GetHttpContext();
        if (http?.GetRouteValue("merchantId") is not string || DashboardRoutes.IsDashboardFunction(context.FunctionDefinition.Name))
        {
            await next(context);
            return;
        }

        if (!ApiKeys.TryParse(http.Request.Headers[Header].ToString(), out var merchantId, out var keyId, out var secret)
            || !await keys.VerifyAsync(merchantId, keyId, secret, http.RequestAborted))
        {
            context.GetInvocationResult().Value = TypedResults.Problem(
                title: "Missing or invalid API key", detail: $"Send a merchant API key in the {Header} header.", statusCode: StatusCodes.Status401Unauthorized);
            return;
        }

        if (MerchantRouteCheck.Problem(http, merchantId) is { } problem)
        {
            context.GetInvocationResult().Value = problem;
            return;
        }

        http.Items[VerifiedKeyItem] = merchantId.Value + "." + keyId;
        await next(context);
    }
}
