using Demand.Core.Identifiers;
using Demand.Core.Features;
using Demand.Core.Profiles;
using Demand.Core.Scoring;
using Demand.Core.Storage;
using Demand.Infrastructure.Onnx;
using Microsoft.Extensions.Options;

namespace Demand.Infrastructure.Scoring;

/// <summary>
/// Scores a batch of users: point-reads their features, builds candidates and pair features, runs one batched
/// ONNX inference (plus one for occlusion reasons of the kept categories), and writes the profile's categories
/// with an ETag merge that leaves mined needs untouched. The model is the merchant's promoted version, else the global one.
/// </summary>
public sealed class OnnxProfileScorer(MerchantModels models, IFeatureStore features, IProfileStore profiles, MerchantStatsProvider statsProvider, IOptions<ModelOptions> options, TimeProvider time) : IProfileScorer
{
    private readonly SemaphoreSlim _gate = new(options.Value.MaxConcurrentBatches);

    public async Task<ScoreBatchResult> ScoreAsync(MerchantId merchantId, IReadOnlyList<UserId> userIds, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await ScoreGatedAsync(merchantId, userIds, asOf, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ScoreBatchResult> ScoreGatedAsync(MerchantId merchantId, IReadOnlyList<UserId> userIds, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var stats = await statsProvider.GetAsync(merchantId, asOf.ToUnixTimeSeconds(), cancellationToken);
        var model = await models.ForMerchantAsync(merchantId, cancellationToken);
        var loaded = await Task.WhenAll(userIds.Distinct().Select(u => features.GetAsync(merchantId, u, cancellationToken)));
        var users = loaded.OfType<UserFeatures>().ToList();

        // As of the merchant's data time: the request's (the newest event its sender knew of) or, when the statistics
        // have seen newer data (an older part processed late), theirs. Never the wall clock.
        var at = Math.Max(asOf.ToUnixTimeSeconds(), stats.AsOf);
        var width = PairFeatures.Count;

        var (pairs, all) = ProfileScoring.Expand(users, stats, at);
        var probabilities = new float[pairs.Count];
        model.Score(all, pairs.Count, probabilities);

        var topK = options.Value.TopK;
        var kept = Enumerable.Range(0, pairs.Count)
            .GroupBy(i => pairs[i].User)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(i => probabilities[i]).ThenBy(i => pairs[i].Pair.CategoryId, StringComparer.Ordinal).Take(topK).ToList());

        // Occlusion: one rescored row per (kept pair, signal).
        var signals = ProfileScoring.Signals.Count;
        var keptPairs = kept.Values.SelectMany(k => k).ToList();
        var occluded = new float[keptPairs.Count * signals * width];
        for (var k = 0; k < keptPairs.Count; k++)
        {
            ProfileScoring.Occlude(all.AsSpan(keptPairs[k] * width, width), occluded.AsSpan(k * signals * width, signals * width));
        }

        var occludedProbabilities = new float[keptPairs.Count * signals];
        model.Score(occluded, keptPairs.Count * signals, occludedProbabilities);
        var reasonsByPair = new Dictionary<int, List<Reason>>();
        for (var k = 0; k < keptPairs.Count; k++)
        {
            var index = keptPairs[k];
            var (userIndex, pair) = pairs[index];
            reasonsByPair[index] = Enumerable.Range(0, signals)
                .Select(s => (Signal: ProfileScoring.Signals[s].Name, Weight: probabilities[index] - occludedProbabilities[(k * signals) + s]))
                .Where(r => r.Weight > 0.005)
                .OrderByDescending(r => r.Weight)
                .Take(3)
                .Select(r => new Reason(ProfileScoring.Describe(r.Signal, users[userIndex], pair, at), Math.Round(r.Weight, 3)))
                .ToList();
        }

        var now = time.GetUtcNow();
        await Parallel.ForEachAsync(Enumerable.Range(0, users.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (u, ct) =>
        {
            var user = users[u];
            var categories = (kept.GetValueOrDefault(u) ?? [])
                .Select(i => ProfileScoring.Propensity(pairs[i].Pair.CategoryId, probabilities[i], ProfileScoring.ExpectedNextPurchase(user, pairs[i].Pair.CategoryId, stats, at), reasonsByPair[i]))
                .ToList();
            await profiles.UpdateAsync(merchantId, UserId.Parse(user.UserId), p =>
            {
                p.Categories = categories;
                p.ModelVersion = model.Version;
                p.UpdatedAt = now;
            }, ct);
        });

        return new ScoreBatchResult(users.Count, userIds.Count - users.Count, model.Version);
    }
}
