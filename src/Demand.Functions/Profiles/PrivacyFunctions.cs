using Demand.Core.Identifiers;
using Demand.Core.Storage;
using Demand.Functions.Merchants;
using Demand.Infrastructure.Cosmos;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Profiles;

/// <summary>Right of access (export) and right to erasure for a shopper.</summary>
public sealed class PrivacyFunctions(IPrivacyStore privacy)
{
    [Function("ExportUser")]
    public Task<Results<Ok<UserExport>, ProblemHttpResult>> Export(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Export)] HttpRequest request, CancellationToken cancellationToken) =>
        PrivacyHandlers.Export(request.RouteMerchant(), request.RouteUser(), request.HttpContext, privacy, cancellationToken);

    [Function("EraseUser")]
    public Task<Ok<ErasureResponse>> Erase(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ApiRoutes.User)] HttpRequest request, CancellationToken cancellationToken) =>
        PrivacyHandlers.Erase(request.RouteMerchant(), request.RouteUser(), privacy, cancellationToken);
}

/// <summary>The handlers behind <see cref="PrivacyFunctions"/>, also described in OpenAPI.</summary>
public static class PrivacyHandlers
{
    public static async Task<Results<Ok<UserExport>, ProblemHttpResult>> Export(MerchantId merchantId, UserId userId, HttpContext context, [FromServices] IPrivacyStore privacy, CancellationToken cancellationToken)
    {
        // Personal data: never kept by a browser or a proxy.
        context.Response.Headers.CacheControl = "no-store";
        var export = await privacy.ExportAsync(merchantId, userId, cancellationToken);
        return export is null ? ApiProblems.NotFound() : TypedResults.Ok(export);
    }

    public static async Task<Ok<ErasureResponse>> Erase(MerchantId merchantId, UserId userId, [FromServices] IPrivacyStore privacy, CancellationToken cancellationToken)
    {
        // Idempotent (a tombstone is written either way); `existed` says whether anything was stored, for the merchant's own
        // records — only the merchant's key reaches this route, and the merchant knows its customers.
        var existed = await privacy.EraseAsync(merchantId, userId, cancellationToken);
        return TypedResults.Ok(new ErasureResponse(userId, existed, "Erased: features, profile and mined review needs are deleted; future logs mentioning this shopper are suppressed."));
    }
}
