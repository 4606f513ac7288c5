using Demand.Core.Events;

namespace Demand.Core.Features;

/// <summary>
/// An event of a partial that carries an id: kept beside the partial's aggregate so that the merge into the shopper's
/// state can leave it out when <see cref="EventIdWindow"/> has counted that id before. <see cref="Tag"/> is the
/// caller's reference (the index in an API batch; -1 for log lines).
/// </summary>
public readonly record struct IdentifiedEvent(ulong IdHash, EventType Type, string? CategoryId, long UnixSeconds, double Spend, int? Rating, string? Search, int Tag);

/// <summary>
/// What a merge into one shopper's state did with the partial's identified events. <see cref="NeedsEvents"/>: some id
/// was counted before and the partial kept only ids, so nothing was merged; merge a partial that keeps its events.
/// </summary>
public sealed record MergeCount(int Counted, IReadOnlyList<int> Duplicates, IReadOnlyList<int> Unverifiable, bool NeedsEvents = false)
{
    public static MergeCount None { get; } = new(0, [], []);

    public static MergeCount EventsNeeded { get; } = new(0, [], [], NeedsEvents: true);
}
