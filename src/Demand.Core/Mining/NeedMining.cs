namespace Demand.Core.Mining;

/// <summary>A review to mine.</summary>
public sealed record ReviewInput(string ReviewId, string Text, int? Rating, string ProductId, string? CategoryId, string? Language);

/// <summary>A need stated in a review: <paramref name="Evidence"/> is an exact substring of the review text.</summary>
public sealed record MinedNeed(string Aspect, string Need, string Polarity, int Severity, string Evidence);

/// <summary>Mines needs from review text. Implementations: the offline lexicon miner, an LLM miner.</summary>
public interface INeedMiner
{
    /// <summary>Identifies the miner and its vocabulary; part of the cache key, so a new version re-mines.</summary>
    string Version { get; }

    Task<IReadOnlyList<IReadOnlyList<MinedNeed>>> MineAsync(IReadOnlyList<ReviewInput> reviews, CancellationToken cancellationToken);
}
