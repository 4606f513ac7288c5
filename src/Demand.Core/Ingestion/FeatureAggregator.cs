using Demand.Core.Events;
using Demand.Core.Features;

namespace Demand.Core.Ingestion;

/// <summary>
/// Folds validated events into one <see cref="UserFeatures"/> partial per user (the unit merged exactly once
/// into the <c>features</c> container through <c>IFeatureStore.MergeAsync</c>): the real-time counterpart of
/// <see cref="LogIngestor"/>'s per-user aggregation, with the same arithmetic. Order of events does not matter (the decay arithmetic of <see cref="UserFeatures.Observe"/> makes it order-independent).
/// </summary>
public sealed class FeatureAggregator(string merchantId)
{
    private readonly Dictionary<string, UserFeatures> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _categories = new(StringComparer.Ordinal);

    public string MerchantId { get; } = merchantId;

    public int UserCount => _users.Count;

    /// <summary>The per-user partials built so far.</summary>
    public IReadOnlyCollection<UserFeatures> Partials => _users.Values;

    /// <summary>Events → per-user partials. Events must have passed <see cref="EventValidator"/>.</summary>
    public static IReadOnlyList<UserFeatures> Aggregate(string merchantId, IEnumerable<BehaviourEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var aggregator = new FeatureAggregator(merchantId);
        foreach (var e in events)
        {
            aggregator.Add(e);
        }

        return [.. aggregator.Partials];
    }

    /// <summary>
    /// Adds one validated event. One with an id is kept as an <see cref="IdentifiedEvent"/> tagged
    /// <paramref name="tag"/>, so the merge counts it once per id.
    /// </summary>
    public void Add(BehaviourEvent e, int tag = -1)
    {
        ArgumentNullException.ThrowIfNull(e);
        var features = User(e.UserId);
        var category = e.CategoryId is null ? null : Intern(e.CategoryId);
        var spend = e.Price is { } price ? (double)price * (e.Quantity ?? 1) : 0;
        var search = e.Type == EventType.Search && !string.IsNullOrWhiteSpace(e.Query) ? NormaliseQuery(e.Query) : null;
        if (!string.IsNullOrEmpty(e.EventId))
        {
            features.Observe(new IdentifiedEvent(EventIdWindow.HashOf(e.EventId), e.Type, category, e.Timestamp.ToUnixTimeSeconds(), spend, e.Rating, search, tag));
            return;
        }

        features.Observe(e.Type, category, e.Timestamp.ToUnixTimeSeconds(), spend, e.Rating);
        if (search is not null)
        {
            features.AddSearch(search);
        }
    }

    private UserFeatures User(string userId)
    {
        if (!_users.TryGetValue(userId, out var features))
        {
            features = UserFeatures.Create(MerchantId, userId);
            _users[userId] = features;
        }

        return features;
    }

    private string Intern(string category)
    {
        if (!_categories.TryGetValue(category, out var interned))
        {
            _categories[category] = category;
            interned = category;
        }

        return interned;
    }

    // Same normalisation as LogIngestor, so real-time and logged searches land as the same term.
    private static string NormaliseQuery(string query) => query.Trim();
}
