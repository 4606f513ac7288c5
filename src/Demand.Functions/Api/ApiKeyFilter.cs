using Microsoft.AspNetCore.Http.HttpResults;
using Demand.Core.Merchants;

namespace Demand.Functions.Api;

/// <summary>
/// Per-merchant API keys (header <c>X-Api-Key</c>): a missing or wrong key answers 401; a valid key used on
/// another merchant's routes answers exactly like an id that does not exist (404), so tenants cannot probe
/// each other. Keys are never logged.
/// </summary>
internal sealed class ApiKeyFilter(MerchantKeyCache keys) : IEndpointFilter
{
    public const string Header = "X-Api-Key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var routeMerchant = http.GetRouteValue("merchantId") as string ?? "";
        if (!ApiKeys.TryParse(http.Request.Headers[Header].ToString(), out var merchantId, out var keyId, out var secret))
        {
            return Unauthorized();
        }

        if (!await keys.VerifyAsync(merchantId, keyId, secret, http.RequestAborted))
        {
            return Unauthorized();
        }

        if (!string.Equals(routeMerchant, merchantId, StringComparison.Ordinal))
        {
            return ApiProblems.NotFound();
        }

        return await next(context);
    }

    private static IResult Unauthorized() =>
        TypedResults.Problem(title: "Missing or invalid API key", detail: $"Send a merchant API key in the {Header} header.", statusCode: StatusCodes.Status401Unauthorized);
}

/// <summary>One shape for "not found", whatever the reason (unknown id, or another merchant's).</summary>
internal static class ApiProblems
{
    public static ProblemHttpResult NotFound() =>
        TypedResults.Problem(title: "Not found", detail: "No such resource for this merchant.", statusCode: StatusCodes.Status404NotFound);
}
