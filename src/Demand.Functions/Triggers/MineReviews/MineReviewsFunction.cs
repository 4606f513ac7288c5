using Demand.Core;
using Demand.Core.Messaging;
using Demand.Core.Mining;
using Demand.Core.Profiles;
using Demand.Core.Storage;
using Demand.Functions.Hosting;
using Demand.Hosting.Envelope;
using Demand.Infrastructure.Cosmos;

namespace Demand.Functions.Triggers.MineReviews;

/// <summary>Queue trigger on <c>mine-requests</c>: reviews → needs (cached per review and miner version) → profiles and product summaries.</summary>
public static class MineReviewsFunction
{
    public const string RequestBinding = "request";

    public static IServiceCollection AddMining(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        services.AddSingleton<INeedMiner, LexiconNeedMiner>();
        services.AddSingleton<CosmosReviewNeedStore>();
        return services;
    }

    public static IEndpointRouteBuilder MapMineReviews(this IEndpointRouteBuilder app)
    {
        app.MapTrigger(FunctionNames.MineReviews, HandleAsync);
        return app;
    }

    private static async Task<InvocationResult> HandleAsync(InvocationRequest request, IServiceProvider services, CancellationToken cancellationToken)
    {
        var message = request.GetJson<MineRequest>(RequestBinding, DemandJson.Options) ?? throw new InvalidDataException("The mine request is empty.");
        var miner = services.GetRequiredService<INeedMiner>();
        var store = services.GetRequiredService<CosmosReviewNeedStore>();
        var profiles = services.GetRequiredService<IProfileStore>();
        var merchantId = message.MerchantId;

        var cached = await Task.WhenAll(message.Reviews.Select(r => store.GetAsync(merchantId, r.ProductId, r.ReviewId, cancellationToken)));
        var documents = new ReviewNeedDocument?[message.Reviews.Count];
        var toMine = new List<int>();
        for (var i = 0; i < message.Reviews.Count; i++)
        {
            var key = ReviewNeedDocument.CacheKeyOf(message.Reviews[i].Text, miner.Version);
            if (cached[i] is { } hit && hit.CacheKey == key && !hit.Provisional)
            {
                documents[i] = hit;
            }
            else
            {
                toMine.Add(i);
            }
        }

        var mined = await miner.MineAsync(toMine.Select(i => message.Reviews[i]).Select(r => new ReviewInput(r.ReviewId, r.Text, r.Rating, r.ProductId, r.CategoryId, r.Language)).ToList(), cancellationToken);
        for (var j = 0; j < toMine.Count; j++)
        {
            var review = message.Reviews[toMine[j]];
            var document = new ReviewNeedDocument
            {
                Id = review.ReviewId,
                MerchantId = merchantId,
                ProductId = review.ProductId,
                CategoryId = review.CategoryId,
                UserId = review.UserId,
                ReviewId = review.ReviewId,
                CacheKey = ReviewNeedDocument.CacheKeyOf(review.Text, miner.Version),
                MinerVersion = miner.Version,
                Rating = review.Rating,
                ReviewedAt = review.Timestamp,
                Needs = mined[j].ToList(),
            };
            await store.SaveAsync(document, cancellationToken);
            documents[toMine[j]] = document;
        }

        foreach (var byUser in documents.OfType<ReviewNeedDocument>().GroupBy(d => d.UserId))
        {
            await profiles.UpdateAsync(merchantId, byUser.Key, profile => MergeNeeds(profile, byUser), cancellationToken);
        }

        foreach (var productId in message.Reviews.Select(r => r.ProductId).Distinct(StringComparer.Ordinal))
        {
            await store.RebuildSummaryAsync(merchantId, productId, cancellationToken);
        }

        return new InvocationResult().Log($"mined {message.Reviews.Count} reviews of {merchantId} ({toMine.Count} new, {message.Reviews.Count - toMine.Count} from cache) with {miner.Version}");
    }

    /// <summary>Adds each review's needs to the profile, one entry per (need, polarity, product), evidence de-duplicated by review.</summary>
    internal static void MergeNeeds(ProfileDocument profile, IEnumerable<ReviewNeedDocument> reviews)
    {
        foreach (var review in reviews)
        {
            foreach (var need in review.Needs)
            {
                var existing = profile.Needs.FindIndex(n => n.Need == need.Need && n.Polarity == need.Polarity && n.ProductId == review.ProductId);
                var evidence = new NeedEvidence(review.ReviewId, need.Evidence);
                if (existing < 0)
                {
                    profile.Needs.Add(new UserNeed
                    {
                        Need = need.Need, Aspect = need.Aspect, Polarity = need.Polarity, Severity = need.Severity,
                        ProductId = review.ProductId, CategoryId = review.CategoryId, Evidence = [evidence], Provisional = review.Provisional,
                    });
                }
                else if (!profile.Needs[existing].Evidence.Exists(e => e.ReviewId == review.ReviewId))
                {
                    profile.Needs[existing].Evidence.Add(evidence);
                }
            }
        }
    }
}
