using Demand.Core.Identifiers;
using Demand.Core.Features;
using Demand.Core.Profiles;

namespace Demand.Core.Storage;

/// <summary>Outcome of merging one log part (or real-time batch) into one user's feature state.</summary>
public enum MergeOutcome
{
    Merged,
    AlreadyMerged,

    /// <summary>Nothing merged: the partial kept only its event ids and some was counted before (<see cref="Features.MergeCount.NeedsEvents"/>).</summary>
    NeedsEvents,
}

/// <summary>What merging one partial did: whether it merged at all, and what became of its identified events.</summary>
public sealed record MergeResult(MergeOutcome Outcome, MergeCount Events);

/// <summary>Per-user feature state (<c>features</c> container).</summary>
public interface IFeatureStore
{
    Task<UserFeatures?> GetAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken);

    /// <summary>
    /// Merges <paramref name="partial"/> (ETag read-modify-write, retry on 412): once per log part
    /// <paramref name="partId"/>, and each identified event once per event id (<see cref="UserFeatures.MergeCounted"/>).
    /// A null <paramref name="partId"/> is a real-time batch: no part ledger, and identified events too old to check
    /// are left out rather than risk counting them twice.
    /// </summary>
    Task<MergeResult> MergeAsync(string? partId, UserFeatures partial, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken);
}
