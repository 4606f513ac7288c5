namespace Demand.Core.Mining;

/// <summary>A review to mine.</summary>
public sealed record ReviewInput(string ReviewId, string Text, int? Rating, string ProductId, string? CategoryId, string? Language);

/// <summary>A need stated in a review: <paramref name="Evidence"/> is an exact substring of the review text.</summary>
public sealed record MinedNeed(string Aspect, string Need, string Polarity, int Severity, string Evidence);

/// <summary>
/// The needs of one review. <paramref name="Provisional"/> marks a result from the offline fallback while the
/// primary miner was unavailable: it is served, but the next delivery of the review mines it again.
/// </summary>
public sealed record MinedReview(IReadOnlyList<MinedNeed> Needs, bool Provisional = false);

/// <summary>What a mining call cost: requests, retries, tokens, dropped (invalid) needs and reviews sent to the fallback.</summary>
public sealed record MiningUsage(int Requests = 0, int Retries = 0, long InputTokens = 0, long OutputTokens = 0, int DroppedNeeds = 0, int FallbackReviews = 0)
{
    public static MiningUsage None { get; } = new();

    public static MiningUsage operator +(MiningUsage a, MiningUsage b) => new(
        a.Requests + b.Requests, a.Retries + b.Retries, a.InputTokens + b.InputTokens, a.OutputTokens + b.OutputTokens,
        a.DroppedNeeds + b.DroppedNeeds, a.FallbackReviews + b.FallbackReviews);
}

/// <summary>One result per input review, in input order, and the usage of the call.</summary>
public sealed record MiningOutcome(IReadOnlyList<MinedReview> Reviews, MiningUsage Usage);

/// <summary>Mines needs from review text. Implementations: the offline lexicon miner, an LLM miner.</summary>
public interface INeedMiner
{
    /// <summary>Identifies the miner and its vocabulary; part of the cache key, so a new version re-mines.</summary>
    string Version { get; }

    /// <summary>Mines a batch; never drops a review: the outcome has exactly one entry per input, same order.</summary>
    Task<MiningOutcome> MineAsync(IReadOnlyList<ReviewInput> reviews, CancellationToken cancellationToken);
}
