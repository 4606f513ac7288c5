using Demand.Core.Identifiers;
using Demand.Core.Merchants;
using Demand.Core.Storage;
using Demand.Functions.Merchants;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Dashboard;

/// <summary>
/// Dashboard keys managed by the merchant: list, create (the key is answered once) and revoke. Only a signed-in dashboard
/// session reaches these routes, with its CSRF token on every write (<see cref="DashboardSessionMiddleware"/>); storefront
/// (API) keys cannot: they live in storefront back ends and must not be able to widen themselves to the dashboard's
/// erase and export. Storefront keys are not listed or revoked here.
/// </summary>
public sealed class KeyFunctions(IMerchantStore merchants, TimeProvider time)
{
    [Function("DashboardListKeys")]
    public Task<Ok<DashboardKeyListResponse>> ListKeys(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.Keys)] HttpRequest request, CancellationToken cancellationToken) =>
        DashboardKeyHandlers.ListDashboardKeys(request.RouteMerchant(), merchants, cancellationToken);

    [Function("DashboardCreateKey")]
    public Task<Created<CreatedDashboardKeyResponse>> CreateKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = DashboardRoutes.Keys)] HttpRequest request, CancellationToken cancellationToken) =>
        DashboardKeyHandlers.CreateDashboardKey(request.RouteMerchant(), merchants, time, cancellationToken);

    [Function("DashboardRevokeKey")]
    public Task<Results<Ok<DashboardKeyResponse>, ProblemHttpResult>> RevokeKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = DashboardRoutes.Key)] HttpRequest request, CancellationToken cancellationToken) =>
        DashboardKeyHandlers.RevokeDashboardKey(request.RouteMerchant(), request.Route("keyId"), merchants, cancellationToken);
}

/// <summary>The handlers behind <see cref="KeyFunctions"/>, also described in OpenAPI.</summary>
public static class DashboardKeyHandlers
{
    /// <summary>The merchant's dashboard keys, newest first, revoked ones included (with when).</summary>
    public static async Task<Ok<DashboardKeyListResponse>> ListDashboardKeys(MerchantId merchantId, [FromServices] IMerchantStore merchants, CancellationToken cancellationToken)
    {
        var merchant = await merchants.GetAsync(merchantId, cancellationToken);
        var keys = merchant?.ApiKeys.Where(IsDashboardKey).OrderByDescending(k => k.CreatedAt).Select(DashboardKeyResponse.From).ToList() ?? [];
        return TypedResults.Ok(new DashboardKeyListResponse(keys));
    }

    /// <summary>A new dashboard key; the answer is the only time the whole key is shown (only its hash is stored).</summary>
    public static async Task<Created<CreatedDashboardKeyResponse>> CreateDashboardKey(
        MerchantId merchantId, [FromServices] IMerchantStore merchants, [FromServices] TimeProvider time, CancellationToken cancellationToken)
    {
        var key = await merchants.AddKeyAsync(merchantId, KeyScope.Dashboard, cancellationToken);
        ApiKeys.TryParse(key, KeyScope.Dashboard, out _, out var keyId, out _);
        return TypedResults.Created(DashboardRoutes.BasePath + "/v1/merchants/" + merchantId + "/dashboard-keys/" + keyId, new CreatedDashboardKeyResponse(key, keyId, time.GetUtcNow()));
    }

    /// <summary>Revokes a dashboard key (idempotent); its sessions end within the key cache time. 404 for a storefront key's id or an unknown one.</summary>
    public static async Task<Results<Ok<DashboardKeyResponse>, ProblemHttpResult>> RevokeDashboardKey(
        MerchantId merchantId, string keyId, [FromServices] IMerchantStore merchants, CancellationToken cancellationToken)
    {
        var merchant = await merchants.GetAsync(merchantId, cancellationToken);
        var key = merchant?.ApiKeys.FirstOrDefault(k => k.KeyId == keyId && IsDashboardKey(k));
        if (key is null)
        {
            return ApiProblems.NotFound();
        }

        if (key.RevokedAt is null)
        {
            await merchants.RevokeKeyAsync(merchantId, keyId, cancellationToken);
            key = (await merchants.GetAsync(merchantId, cancellationToken))?.ApiKeys.FirstOrDefault(k => k.KeyId == keyId) ?? key;
        }

        return TypedResults.Ok(DashboardKeyResponse.From(key));
    }

    private static bool IsDashboardKey(StoredApiKey key) => key.Scope == ApiKeys.DashboardScope;
}

/// <summary>A dashboard key as listed: its id (the third part of <c>dd.{merchantId}.{keyId}.{secret}</c>), never its secret.</summary>
public sealed record DashboardKeyResponse(string KeyId, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    public static DashboardKeyResponse From(StoredApiKey key) => new(key.KeyId, key.CreatedAt, key.RevokedAt);
}

public sealed record DashboardKeyListResponse(IReadOnlyList<DashboardKeyResponse> Keys);

/// <summary>A new dashboard key: <c>key</c> is shown this once.</summary>
public sealed record CreatedDashboardKeyResponse(string Key, string KeyId, DateTimeOffset CreatedAt);
