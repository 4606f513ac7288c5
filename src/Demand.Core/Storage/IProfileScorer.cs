using Demand.Core.Features;
using Demand.Core.Profiles;

namespace Demand.Core.Storage;

/// <summary>Scores users' category propensities into their profiles (ScoreUsers, real-time events, nightly).</summary>
public interface IProfileScorer
{
    /// <summary>
    /// Scores <paramref name="userIds"/> as of <paramref name="asOf"/>: the merchant's data time (the newest accepted
    /// event the caller knows of), not the wall clock.
    /// </summary>
    Task<ScoreBatchResult> ScoreAsync(string merchantId, IReadOnlyList<string> userIds, DateTimeOffset asOf, CancellationToken cancellationToken);
}

public sealed record ScoreBatchResult(int Scored, int Missing, string ModelVersion);
