using Demand.Core.Identifiers;
using System.Globalization;
using System.Text.Json;
using Demand.Core.Mining;
using Demand.Functions.Merchants;
using Demand.Infrastructure.Cosmos;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Mining;

/// <summary>Merchant reads and edits around mined needs: category unmet needs, the need taxonomy, mining usage.</summary>
public sealed class NeedFunctions(CosmosReviewNeedStore store, TimeProvider time)
{
    [Function("GetCategoryNeeds")]
    public Task<Results<Ok<CategoryNeedsResponse>, ProblemHttpResult>> GetCategoryNeeds(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.CategoryNeeds)] HttpRequest request, CancellationToken cancellationToken) =>
        NeedHandlers.GetCategoryNeeds(request.RouteMerchant(), request.Route("categoryId"), store, cancellationToken);

    [Function("GetNeedTaxonomy")]
    public Task<Ok<NeedTaxonomyResponse>> GetTaxonomy(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Taxonomy)] HttpRequest request, CancellationToken cancellationToken) =>
        NeedHandlers.GetTaxonomy(request.RouteMerchant(), store, cancellationToken);

    [Function("PutNeedTaxonomy")]
    public async Task<Results<Ok<NeedTaxonomyResponse>, ValidationProblem>> PutTaxonomy(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ApiRoutes.Taxonomy)] HttpRequest request, CancellationToken cancellationToken)
    {
        NeedTaxonomyRequest? body;
        try
        {
            body = request.HasJsonContentType() ? await request.ReadFromJsonAsync<NeedTaxonomyRequest>(cancellationToken) : null;
        }
        catch (JsonException)
        {
            body = null;
        }

        return body is null
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send a JSON object {\"synonyms\": {\"variant\": \"canonical\"}}."] })
            : await NeedHandlers.PutTaxonomy(request.RouteMerchant(), body, store, cancellationToken);
    }

    [Function("GetMiningUsage")]
    public Task<Results<Ok<MiningUsageResponse>, ValidationProblem>> GetUsage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.MiningUsage)] HttpRequest request, CancellationToken cancellationToken) =>
        NeedHandlers.GetUsage(request.RouteMerchant(), request.Query("month"), store, time, cancellationToken);
}

/// <summary>The handlers behind <see cref="NeedFunctions"/>, also described in OpenAPI.</summary>
public static class NeedHandlers
{
    public const int MaxSynonyms = 1_000;
    public const int MaxPhraseLength = 100;

    public static async Task<Results<Ok<CategoryNeedsResponse>, ProblemHttpResult>> GetCategoryNeeds(MerchantId merchantId, string categoryId, [FromServices] CosmosReviewNeedStore store, CancellationToken cancellationToken)
    {
        var summary = await store.GetCategorySummaryAsync(merchantId, categoryId, cancellationToken);
        return summary is null || summary.MerchantId != merchantId || summary.Reviews == 0
            ? ApiProblems.NotFound()
            : TypedResults.Ok(new CategoryNeedsResponse(
                summary.CategoryId, summary.Products, summary.Reviews, summary.UpdatedAt,
                summary.Needs.Select(n => new CategoryNeedResponse(n.Need, n.Aspect, n.Mentions, n.Share, n.Products, n.ThisWeek, n.LastWeek, n.TopProducts)).ToList()));
    }

    public static async Task<Ok<NeedTaxonomyResponse>> GetTaxonomy(MerchantId merchantId, [FromServices] CosmosReviewNeedStore store, CancellationToken cancellationToken)
    {
        var document = await store.GetTaxonomyAsync(merchantId, cancellationToken);
        return TypedResults.Ok(NeedTaxonomyResponse.From(document));
    }

    public static async Task<Results<Ok<NeedTaxonomyResponse>, ValidationProblem>> PutTaxonomy(MerchantId merchantId, NeedTaxonomyRequest request, [FromServices] CosmosReviewNeedStore store, CancellationToken cancellationToken)
    {
        var synonyms = request.Synonyms ?? [];
        var errors = new List<string>();
        if (synonyms.Count > MaxSynonyms)
        {
            errors.Add($"At most {MaxSynonyms} synonyms.");
        }

        foreach (var (variant, canonical) in synonyms)
        {
            if (NeedTaxonomy.Normalise(variant).Length == 0 || NeedTaxonomy.Normalise(canonical ?? string.Empty).Length == 0 || variant.Length > MaxPhraseLength || (canonical?.Length ?? 0) > MaxPhraseLength)
            {
                errors.Add($"'{Truncate(variant)}': variant and canonical phrase need letters or digits and at most {MaxPhraseLength} characters.");
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["synonyms"] = [.. errors.Take(20)] });
        }

        var document = await store.SaveTaxonomyAsync(merchantId, synonyms.ToDictionary(s => s.Key, s => s.Value!, StringComparer.Ordinal), cancellationToken);
        await store.RebuildAllSummariesAsync(merchantId, cancellationToken);
        return TypedResults.Ok(NeedTaxonomyResponse.From(document));
    }

    public static async Task<Results<Ok<MiningUsageResponse>, ValidationProblem>> GetUsage(MerchantId merchantId, string? month, [FromServices] CosmosReviewNeedStore store, [FromServices] TimeProvider time, CancellationToken cancellationToken)
    {
        month ??= MiningUsageDocument.MonthOf(time.GetUtcNow());
        if (!DateTime.TryParseExact(month, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["month"] = ["Use yyyy-MM, e.g. 2026-11."] });
        }

        var usage = await store.GetUsageAsync(merchantId, month, cancellationToken);
        return TypedResults.Ok(usage is null || usage.MerchantId != merchantId
            ? new MiningUsageResponse(month, 0, 0, 0, 0, 0, 0, 0, 0, 0m, null)
            : new MiningUsageResponse(month, usage.Reviews, usage.FromCache, usage.Requests, usage.Retries, usage.InputTokens, usage.OutputTokens, usage.DroppedNeeds, usage.FallbackReviews, usage.EstimatedCost, usage.UpdatedAt));
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

public sealed record CategoryNeedsResponse(string CategoryId, int Products, int Reviews, DateTimeOffset UpdatedAt, IReadOnlyList<CategoryNeedResponse> Needs);

public sealed record CategoryNeedResponse(string Need, string Aspect, int Mentions, double Share, int Products, int ThisWeek, int LastWeek, IReadOnlyList<string> TopProducts);

public sealed record NeedTaxonomyRequest(Dictionary<string, string?>? Synonyms);

/// <summary>The merchant's edits (these win), merges learned from embeddings (phrase → itself: seen, not merged), the built-in table.</summary>
public sealed record NeedTaxonomyResponse(IReadOnlyDictionary<string, string> Synonyms, IReadOnlyDictionary<string, string> Learned, IReadOnlyDictionary<string, string> BuiltIn, DateTimeOffset? UpdatedAt)
{
    public static NeedTaxonomyResponse From(NeedTaxonomyDocument? document) => new(
        new SortedDictionary<string, string>(document?.Synonyms ?? [], StringComparer.Ordinal),
        new SortedDictionary<string, string>(document?.Learned ?? [], StringComparer.Ordinal),
        new SortedDictionary<string, string>(NeedTaxonomy.Default.Synonyms.ToDictionary(), StringComparer.Ordinal),
        document?.UpdatedAt);
}

public sealed record MiningUsageResponse(
    string Month, long Reviews, long FromCache, long Requests, long Retries, long InputTokens, long OutputTokens, long DroppedNeeds, long FallbackReviews, decimal EstimatedCost, DateTimeOffset? UpdatedAt);
