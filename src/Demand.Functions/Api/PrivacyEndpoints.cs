using Demand.Infrastructure.Cosmos;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Demand.Functions.Api;

/// <summary>Right of access (export) and right to erasure for a shopper.</summary>
internal static class PrivacyEndpoints
{
    public static RouteGroupBuilder MapPrivacy(this RouteGroupBuilder merchant)
    {
        var users = merchant.MapGroup("/users/{userId}").WithTags("Privacy");
        users.MapGet("/export", Export).WithName("ExportUser").WithSummary("Everything stored about a shopper, derived needs and evidence included.");
        users.MapDelete("/", Erase).WithName("EraseUser").WithSummary("Erase a shopper everywhere; replayed logs will not bring them back.");
        return merchant;
    }

    internal static async Task<Results<Ok<UserExport>, ProblemHttpResult>> Export(string merchantId, string userId, IPrivacyStore privacy, CancellationToken cancellationToken)
    {
        var export = await privacy.ExportAsync(merchantId, userId, cancellationToken);
        return export is null ? ApiProblems.NotFound() : TypedResults.Ok(export);
    }

    internal static async Task<Ok<ErasureResponse>> Erase(string merchantId, string userId, IPrivacyStore privacy, CancellationToken cancellationToken)
    {
        // Idempotent and the same answer whether or not the user existed: erasure must not confirm who is a customer.
        var existed = await privacy.EraseAsync(merchantId, userId, cancellationToken);
        _ = existed;
        return TypedResults.Ok(new ErasureResponse(userId, true, "Erased: features, profile and mined review needs are deleted; future logs mentioning this shopper are suppressed."));
    }
}
