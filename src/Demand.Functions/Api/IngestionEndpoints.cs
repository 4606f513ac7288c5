using Demand.Infrastructure.Cosmos;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Demand.Functions.Api;

/// <summary>Merchant reads: what happened to an uploaded log part.</summary>
internal static class IngestionEndpoints
{
    public static RouteGroupBuilder MapIngestions(this RouteGroupBuilder merchant)
    {
        merchant.MapGet("/ingestions/{ingestionId}", GetIngestion).WithTags("Ingestion").WithName("GetIngestion")
            .WithSummary("An ingestion report: counts by type, rejects by reason, duplicates, users touched, time range, throughput.");
        return merchant;
    }

    internal static async Task<Results<Ok<IngestionResponse>, ProblemHttpResult>> GetIngestion(string merchantId, string ingestionId, IIngestionStore store, CancellationToken cancellationToken)
    {
        if (ingestionId.Length > 64 || !ingestionId.All(char.IsAsciiHexDigitLower))
        {
            return ApiProblems.NotFound();
        }

        var report = await store.GetReportAsync(merchantId, ingestionId, cancellationToken);
        return report is null || report.MerchantId != merchantId ? ApiProblems.NotFound() : TypedResults.Ok(IngestionResponse.From(report));
    }
}
