using System.Globalization;
using Demand.Core.Mining;
using Demand.Infrastructure.Cosmos;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Demand.Functions.Api;

/// <summary>Merchant reads and edits around mined needs: category unmet needs, the need taxonomy, mining usage.</summary>
internal static class NeedEndpoints
{
    public const int MaxSynonyms = 1_000;
    public const int MaxPhraseLength = 100;

    public static RouteGroupBuilder MapNeeds(this RouteGroupBuilder merchant)
    {
        merchant.MapGet("/categories/{categoryId}/needs", GetCategoryNeeds).WithTags("Needs").WithName("GetCategoryNeeds")
            .WithSummary("Unmet needs across a category's products: negative mentions, share of the category's reviews, products affected, trend.");
        merchant.MapGet("/needs/taxonomy", GetTaxonomy).WithTags("Needs").WithName("GetNeedTaxonomy")
            .WithSummary("The merchant's synonym edits (variant → canonical need phrase), merges learned from embeddings, and the built-in table they overlay.");
        merchant.MapPut("/needs/taxonomy", PutTaxonomy).WithTags("Needs").WithName("PutNeedTaxonomy")
            .WithSummary("Replaces the merchant's synonym edits and rebuilds product and category need summaries with them.");
        merchant.MapGet("/mining/usage", GetUsage).WithTags("Needs").WithName("GetMiningUsage")
            .WithSummary("Reviews mined, cache hits, LLM requests, tokens and estimated cost for a month (?month=yyyy-MM, default this month).");
        return merchant;
    }

    internal static async Task<Results<Ok<CategoryNeedsResponse>, ProblemHttpResult>> GetCategoryNeeds(string merchantId, string categoryId, CosmosReviewNeedStore store, CancellationToken cancellationToken)
    {
        var summary = await store.GetCategorySummaryAsync(merchantId, categoryId, cancellationToken);
        return summary is null || summary.MerchantId != merchantId || summary.Reviews == 0
            ? ApiProblems.NotFound()
            : TypedResults.Ok(new CategoryNeedsResponse(
                summary.CategoryId, summary.Products, summary.Reviews, summary.UpdatedAt,
                summary.Needs.Select(n => new CategoryNeedResponse(n.Need, n.Aspect, n.Mentions, n.Share, n.Products, n.ThisWeek, n.LastWeek, n.TopProducts)).ToList()));
    }

    internal static async Task<Ok<NeedTaxonomyResponse>> GetTaxonomy(string merchantId, CosmosReviewNeedStore store, CancellationToken cancellationToken)
    {
        var document = await store.GetTaxonomyAsync(merchantId, cancellationToken);
        return TypedResults.Ok(NeedTaxonomyResponse.From(document));
    }

    internal static async Task<Results<Ok<NeedTaxonomyResponse>, ValidationProblem>> PutTaxonomy(string merchantId, NeedTaxonomyRequest request, CosmosReviewNeedStore store, CancellationToken cancellationToken)
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

    internal static async Task<Results<Ok<MiningUsageResponse>, ValidationProblem>> GetUsage(string merchantId, string? month, CosmosReviewNeedStore store, TimeProvider time, CancellationToken cancellationToken)
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
