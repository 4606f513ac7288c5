using Demand.Core.Features;
using Demand.Core.Profiles;

namespace Demand.Core.Storage;

/// <summary>Outcome of merging one source part (or real-time batch) into one user's feature state.</summary>
public enum MergeOutcome
{
    Merged,
    AlreadyMerged,
    Suppressed,
}

/// <summary>Per-user feature state (<c>features</c> container).</summary>
public interface IFeatureStore
{
    Task<UserFeatures?> GetAsync(string merchantId, string userId, CancellationToken cancellationToken);

    /// <summary>Merges <paramref name="partial"/> exactly once per <paramref name="partId"/> (ETag read-modify-write, retry on 412).</summary>
    Task<MergeOutcome> MergeAsync(string partId, UserFeatures partial, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(string merchantId, string userId, CancellationToken cancellationToken);
}

/// <summary>Per-user profiles (<c>profiles</c> container). Writers change only their own part of the document.</summary>
public interface IProfileStore
{
    Task<ProfileDocument?> GetAsync(string merchantId, string userId, CancellationToken cancellationToken);

    /// <summary>Read-modify-write with ETag: <paramref name="mutate"/> may run several times (on 412) and must be idempotent.</summary>
    Task<ProfileDocument> UpdateAsync(string merchantId, string userId, Action<ProfileDocument> mutate, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(string merchantId, string userId, CancellationToken cancellationToken);
}

/// <summary>Scores users' category propensities into their profiles (ScoreUsers, real-time events, nightly).</summary>
public interface IProfileScorer
{
    Task<ScoreBatchResult> ScoreAsync(string merchantId, IReadOnlyList<string> userIds, DateTimeOffset asOf, CancellationToken cancellationToken);
}

public sealed record ScoreBatchResult(int Scored, int Missing, string ModelVersion);
