namespace Demand.Core.Mining;

/// <summary>A review to mine.</summary>
public sealed record ReviewInput(string ReviewId, string Text, int? Rating, string ProductId, string? CategoryId, string? Language);

/// <summary>
/// An aspect a review talks about, three-way: <c>negative</c> — a complaint, <paramref name="Need"/> is the unmet need
/// ("longer battery life"); <c>positive</c> — praise, a satisfied aspect ("battery: praised"), never a need;
/// <c>neutral</c> — a mention ("battery: mentioned"), counted nowhere. <paramref name="Evidence"/> is an exact
/// substring of the review text; learned miners also give the aspect <paramref name="Term"/> with its span
/// [<paramref name="From"/>, <paramref name="To"/>) in UTF-16 code units and the <paramref name="Opinion"/> words.
/// <paramref name="Implicit"/>: the review names no aspect term ("Too heavy to carry around"); the span is the cue.
/// </summary>
public sealed record MinedNeed(string Aspect, string Need, string Polarity, int Severity, string Evidence, string? Term = null, int? From = null, int? To = null, string? Opinion = null, bool Implicit = false)
{
    /// <summary>A complaint: the only polarity that is an unmet need.</summary>
    public bool IsNeed => Polarity == AspectNeeds.Negative;

    /// <summary>Praise or a complaint: what profiles and product summaries keep (neutral mentions are dropped).</summary>
    public bool IsOpinion => Polarity is AspectNeeds.Negative or AspectNeeds.Positive;
}

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

/// <summary>Mines needs from review text. Implementations: the offline miners (learned, lexicon), an LLM miner.</summary>
public interface INeedMiner
{
    /// <summary>Identifies the miner and its vocabulary; part of the cache key, so a new version re-mines.</summary>
    string Version { get; }

    /// <summary>Mines a batch; never drops a review: the outcome has exactly one entry per input, same order.</summary>
    Task<MiningOutcome> MineAsync(IReadOnlyList<ReviewInput> reviews, CancellationToken cancellationToken);
}

/// <summary>A miner that needs nothing outside the process: the LLM miner's fallback, never provisional itself.</summary>
public interface IOfflineNeedMiner : INeedMiner;
