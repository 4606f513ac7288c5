using System.Text.Json.Serialization;
using Demand.Core.Events;

namespace Demand.Core.Features;

/// <summary>
/// Per-user feature state: the <c>features</c> container document (partition key merchantId/userId),
/// also used as the per-part partial aggregate that ingestion merges into it exactly once.
/// </summary>
public sealed class UserFeatures
{
    public const int MaxSearches = 20;
    public const int MaxMergedParts = 512;

    [JsonPropertyName("id")]
    public required string Id { get; init; }

    public required string MerchantId { get; init; }

    public required string UserId { get; init; }

    /// <summary>The latest event time seen (each category keeps its own reference time for its counters).</summary>
    public long ReferenceTime { get; set; }

    public long FirstSeen { get; set; }

    public long LastSeen { get; set; }

    public long EventCount { get; set; }

    public Dictionary<string, CategoryActivity> Categories { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Recent search terms, newest last.</summary>
    public List<string> Searches { get; set; } = [];

    /// <summary>Log parts already merged: a redelivered part changes nothing, whether or not its rows carry event ids.</summary>
    public List<string> MergedParts { get; set; } = [];

    /// <summary>The ids of the events counted here: exactly once per event id (see <see cref="EventIdWindow"/>).</summary>
    public EventIdWindow EventIds { get; set; } = new();

    /// <summary>
    /// In a partial that keeps its events: those that carry ids (also counted in its aggregate), so the merge can drop
    /// ones counted before. Log parts keep only the ids' hashes and times (16 bytes an event) and are read again for the
    /// rare shopper whose merge finds an id counted before.
    /// </summary>
    [JsonIgnore]
    public List<IdentifiedEvent>? Identified { get; private set; }

    /// <summary>In a partial: how many of its events carry ids.</summary>
    [JsonIgnore]
    public int IdentifiedCount => _idHashes?.Count ?? 0;

    private List<ulong>? _idHashes;
    private List<long>? _idTimes;

    /// <summary>In a partial that keeps its identified events: the aggregate of its events without ids alone.</summary>
    private UserFeatures? _unidentified;

    [JsonPropertyName("_etag")]
    public string? ETag { get; set; }

    public static UserFeatures Create(string merchantId, string userId) =>
        new() { Id = userId, MerchantId = merchantId, UserId = userId };

    /// <summary>Adds one event without an id (any order).</summary>
    public void Observe(EventType type, string? categoryId, long unixSeconds, double spend = 0, int? rating = null)
    {
        Count(type, categoryId, unixSeconds, spend, rating);
        _unidentified?.Count(type, categoryId, unixSeconds, spend, rating);
    }

    /// <summary>
    /// Adds one event that carries an id (any order); it is counted into a shopper's state only once per id.
    /// <paramref name="keep"/> keeps the event itself for the merge (the first identified event of a partial decides).
    /// </summary>
    public void Observe(IdentifiedEvent e, bool keep = true)
    {
        if (_idHashes is null)
        {
            _idHashes = [];
            _idTimes = [];
            if (keep)
            {
                // Everything observed so far had no id: that is the id-less aggregate's start.
                _unidentified = Create(MerchantId, UserId);
                _unidentified.Merge(this);
                Identified = [];
            }
        }

        Count(e);
        _idHashes.Add(e.IdHash);
        _idTimes!.Add(e.UnixSeconds);
        Identified?.Add(e);
    }

    private void Count(IdentifiedEvent e)
    {
        Count(e.Type, e.CategoryId, e.UnixSeconds, e.Spend, e.Rating);
        if (e.Search is { } search)
        {
            Remember(search);
        }
    }

    private void Count(EventType type, string? categoryId, long unixSeconds, double spend, int? rating)
    {
        ReferenceTime = Math.Max(ReferenceTime, unixSeconds);
        EventCount++;
        FirstSeen = FirstSeen == 0 ? unixSeconds : Math.Min(FirstSeen, unixSeconds);
        LastSeen = Math.Max(LastSeen, unixSeconds);
        if (categoryId is null)
        {
            return;
        }

        if (!Categories.TryGetValue(categoryId, out var activity))
        {
            activity = new CategoryActivity();
            Categories[categoryId] = activity;
        }

        activity.AdvanceTo(unixSeconds);
        var age = activity.ReferenceTime - unixSeconds;
        var decayed = activity.Decayed.AsSpan(CategoryActivity.Index(type, 0), HalfLives.Count);
        for (var h = 0; h < HalfLives.Count; h++)
        {
            // Most events are the newest of their category (age 0, weight exactly 1): no exp needed.
            decayed[h] += age == 0 ? 1.0 : HalfLives.Decay(age, h);
        }

        activity.Counts[(int)type]++;
        activity.LastAt[(int)type] = Math.Max(activity.LastAt[(int)type], unixSeconds);
        switch (type)
        {
            case EventType.Purchase:
                activity.AddPurchaseTime(unixSeconds);
                activity.Spend += spend;
                break;
            case EventType.Return:
                activity.Spend -= spend;
                break;
            case EventType.Review when rating is >= 1 and <= 5:
                activity.RatingSum += rating.Value;
                activity.RatingCount++;
                break;
        }
    }

    /// <summary>Adds a search term of an event without an id.</summary>
    public void AddSearch(string term)
    {
        Remember(term);
        _unidentified?.Remember(term);
    }

    private void Remember(string term)
    {
        Searches.Remove(term);
        Searches.Add(term);
        if (Searches.Count > MaxSearches)
        {
            Searches.RemoveAt(0);
        }
    }

    /// <summary>Merges a partial aggregate (same merchant and user) into this state.</summary>
    public void Merge(UserFeatures partial)
    {
        if (partial.EventCount == 0)
        {
            return;
        }

        ReferenceTime = Math.Max(ReferenceTime, partial.ReferenceTime);
        EventCount += partial.EventCount;
        Span<double> factors = stackalloc double[HalfLives.Count];
        FirstSeen = FirstSeen == 0 ? partial.FirstSeen : Math.Min(FirstSeen, partial.FirstSeen);
        LastSeen = Math.Max(LastSeen, partial.LastSeen);
        foreach (var (categoryId, source) in partial.Categories)
        {
            if (!Categories.TryGetValue(categoryId, out var target))
            {
                target = new CategoryActivity();
                Categories[categoryId] = target;
            }

            target.AdvanceTo(source.ReferenceTime);
            var shift = target.ReferenceTime - source.ReferenceTime;
            for (var h = 0; h < HalfLives.Count; h++)
            {
                factors[h] = HalfLives.Decay(shift, h);
            }

            for (var i = 0; i < source.Decayed.Length; i++)
            {
                target.Decayed[i] += source.Decayed[i] * factors[i % HalfLives.Count];
            }

            for (var t = 0; t < EventTypes.Count; t++)
            {
                target.Counts[t] += source.Counts[t];
                target.LastAt[t] = Math.Max(target.LastAt[t], source.LastAt[t]);
            }

            foreach (var p in source.PurchaseTimes)
            {
                target.AddPurchaseTime(p);
            }

            target.RatingSum += source.RatingSum;
            target.RatingCount += source.RatingCount;
            target.Spend += source.Spend;
        }

        foreach (var term in partial.Searches)
        {
            Remember(term);
        }
    }

    /// <summary>
    /// Merges a partial into this (stored) state, counting each of the partial's identified events only if
    /// <see cref="EventIds"/> has not counted its id. An identified event older than <see cref="EventIdWindow.Floor"/>
    /// cannot be checked: it is counted when <paramref name="countUncheckable"/> (log parts, whose copies the content
    /// fingerprints catch), otherwise left out and reported (the real-time API, which must never count an event twice).
    /// </summary>
    public MergeCount MergeCounted(UserFeatures partial, bool countUncheckable)
    {
        ArgumentNullException.ThrowIfNull(partial);
        if (partial._idHashes is not { Count: > 0 } hashes)
        {
            Merge(partial);
            return MergeCount.None;
        }

        var times = partial._idTimes!;
        var distinct = new HashSet<ulong>(hashes.Count);
        var clean = true;
        for (var i = 0; i < hashes.Count && clean; i++)
        {
            clean = distinct.Add(hashes[i]) && !EventIds.Contains(hashes[i]) && (countUncheckable || EventIds.Covers(times[i]));
        }

        if (clean)
        {
            // The common case: nothing counted before, so the partial's aggregate is exactly what to add.
            Merge(partial);
            for (var i = 0; i < hashes.Count; i++)
            {
                EventIds.Add(hashes[i], times[i]);
            }

            EventIds.Trim(LastSeen);
            return new MergeCount(hashes.Count, [], []);
        }

        if (partial.Identified is not { } identified)
        {
            // Only the ids were kept: nothing is changed; the caller reads this shopper's events again and retries.
            return MergeCount.EventsNeeded;
        }

        if (partial._unidentified is { } unidentified)
        {
            Merge(unidentified);
        }

        var duplicates = new List<int>();
        var uncheckable = new List<int>();
        foreach (var e in identified)
        {
            if (EventIds.Contains(e.IdHash))
            {
                duplicates.Add(e.Tag);
            }
            else if (!countUncheckable && !EventIds.Covers(e.UnixSeconds))
            {
                uncheckable.Add(e.Tag);
            }
            else
            {
                Count(e);
                EventIds.Add(e.IdHash, e.UnixSeconds);
            }
        }

        EventIds.Trim(LastSeen);
        return new MergeCount(identified.Count - duplicates.Count - uncheckable.Count, duplicates, uncheckable);
    }

    /// <summary>Records a merged log part; returns false when it was already merged.</summary>
    public bool TryMarkMerged(string partId)
    {
        if (MergedParts.Contains(partId))
        {
            return false;
        }

        MergedParts.Add(partId);
        if (MergedParts.Count > MaxMergedParts)
        {
            MergedParts.RemoveAt(0);
        }

        return true;
    }

    /// <summary>A decayed counter's value as of <paramref name="asOfUnixSeconds"/>.</summary>
    public double DecayedAt(CategoryActivity activity, EventType type, int halfLife, long asOfUnixSeconds) =>
        activity.Decayed[CategoryActivity.Index(type, halfLife)] * HalfLives.Decay(asOfUnixSeconds - activity.ReferenceTime, halfLife);
}
