using Demand.Core.Identifiers;
using Demand.Core.Storage;
using Demand.Functions.Merchants;
using Demand.Functions.Profiles;
using Demand.Infrastructure.Cosmos;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Ingestion;

/// <summary>Merchant reads: what happened to an uploaded log part.</summary>
public sealed class IngestionFunctions(IIngestionStore store)
{
    [Function("GetIngestion")]
    public Task<Results<Ok<IngestionResponse>, ProblemHttpResult>> GetIngestion(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Ingestion)] HttpRequest request, CancellationToken cancellationToken) =>
        IngestionHandlers.GetIngestion(request.RouteMerchant(), request.Route("ingestionId"), store, cancellationToken);
}

/// <summary>The handlers behind <see cref="IngestionFunctions"/>, also described in OpenAPI.</summary>
public static class IngestionHandlers
{
    public static async Task<Results<Ok<IngestionResponse>, ProblemHttpResult>> GetIngestion(
        MerchantId merchantId, string ingestionId, [FromServices] IIngestionStore store, CancellationToken cancellationToken)
    {
        if (ingestionId.Length > 64 || !ingestionId.All(char.IsAsciiHexDigitLower))
        {
            return ApiProblems.NotFound();
        }

        var report = await store.GetReportAsync(merchantId, ingestionId, cancellationToken);
        return report is null || report.MerchantId != merchantId ? ApiProblems.NotFound() : TypedResults.Ok(IngestionResponse.From(report));
    }
}
