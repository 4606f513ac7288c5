using System.Text;
using Demand.Core.Events;
using Demand.Core.Features;

namespace Demand.Core.Ingestion;

/// <summary>
/// Folds validated events into one <see cref="UserFeatures"/> partial per user (the unit merged exactly once
/// into the <c>features</c> container). Used by log ingestion and by real-time events; order of events does
/// not matter (the decay arithmetic of <see cref="UserFeatures.Observe"/> makes it order-independent).
/// </summary>
public sealed class FeatureAggregator(string merchantId)
{
    private readonly Dictionary<string, UserFeatures> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _categories = new(StringComparer.Ordinal);
    private readonly char[] _chars = new char[EventValidator.MaxIdBytes + 16];

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

    /// <summary>Adds one validated event.</summary>
    public void Add(BehaviourEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var features = User(e.UserId);
        var category = e.CategoryId is null ? null : Intern(e.CategoryId);
        var spend = e.Price is { } price ? (double)price * (e.Quantity ?? 1) : 0;
        features.Observe(e.Type, category, e.Timestamp.ToUnixTimeSeconds(), spend, e.Rating);
        if (e.Type == EventType.Search && !string.IsNullOrWhiteSpace(e.Query))
        {
            features.AddSearch(NormaliseQuery(e.Query));
        }
    }

    /// <summary>The hot path of the log parser: ids as UTF-8, strings created once per distinct user and category.</summary>
    internal void Add(ReadOnlySpan<byte> userId, EventType type, ReadOnlySpan<byte> categoryId, long unixSeconds, double spend, int? rating, ReadOnlySpan<byte> query)
    {
        var written = Encoding.UTF8.GetChars(userId, _chars);
        var lookup = _users.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(_chars.AsSpan(0, written), out var features))
        {
            var id = new string(_chars, 0, written);
            features = UserFeatures.Create(MerchantId, id);
            _users[id] = features;
        }

        string? category = null;
        if (!categoryId.IsEmpty)
        {
            written = Encoding.UTF8.GetChars(categoryId, _chars);
            var categories = _categories.GetAlternateLookup<ReadOnlySpan<char>>();
            if (!categories.TryGetValue(_chars.AsSpan(0, written), out category))
            {
                category = new string(_chars, 0, written);
                _categories[category] = category;
            }
        }

        features.Observe(type, category, unixSeconds, spend, rating);
        if (type == EventType.Search && !query.IsEmpty)
        {
            var term = NormaliseQuery(Encoding.UTF8.GetString(query));
            if (term.Length > 0)
            {
                features.AddSearch(term);
            }
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

    private static string NormaliseQuery(string query) => query.Trim().ToLowerInvariant();
}
