using Demand.Core.Events;

namespace Demand.Tooling.Synthetic;

/// <summary>Knobs of the generated market.</summary>
public sealed record MarketOptions
{
    public int Seed { get; init; } = 42;
    public string MerchantId { get; init; } = "m1";
    public int Users { get; init; } = 2_000;
    public int Days { get; init; } = 28;
    public DateOnly Start { get; init; } = new(2026, 9, 1);

    /// <summary>Multiplies every user's session rate (more events per user).</summary>
    public double Activity { get; init; } = 1.0;

    /// <summary>Share of reviews written in Chinese.</summary>
    public double ChineseShare { get; init; } = 0.3;

    /// <summary>Probability that a purchase is followed by a review.</summary>
    public double ReviewRate { get; init; } = 0.25;
}

/// <summary>One generated event with the ground truth for reviews.</summary>
public sealed record GeneratedEvent(int Day, BehaviourEvent Event, string? Language, IReadOnlyList<NeedLabel>? Labels);

/// <summary>
/// A deterministic synthetic market: users with hidden needs — consumables running out on their cycle,
/// complements of what they just bought, bundles from life events, browsing interests, weekly seasonality
/// and trending categories — that drive views, searches, carts, purchases, returns and reviews. The hidden
/// needs announce themselves in behaviour a few days before the purchase (or not at all, for some
/// complements), which is what a demand model can learn and popularity cannot.
/// </summary>
public sealed class MarketGenerator(MarketOptions options)
{
    private static readonly string[] Hours = ["08", "12", "19", "21"];

    public MarketOptions Options { get; } = options;

    /// <summary>Events user by user (each user's events in time order); deterministic for a seed.</summary>
    public IEnumerable<GeneratedEvent> Generate()
    {
        for (var u = 0; u < Options.Users; u++)
        {
            foreach (var e in SimulateUser(u))
            {
                yield return e;
            }
        }
    }

    private static ulong SplitMix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private sealed class Need(string category, int due, string source)
    {
        public string Category { get; } = category;
        public int Due { get; set; } = due;
        public string Source { get; } = source;
    }

    private IEnumerable<GeneratedEvent> SimulateUser(int index)
    {
        // Not HashCode.Combine: it is randomised per process, and the market must be the same for a seed everywhere.
        var random = new Random(unchecked((int)SplitMix((ulong)(uint)Options.Seed << 32 | (uint)index)));
        var userId = "u" + index.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        var categories = Catalog.Categories;
        var activity = Math.Exp(random.NextDouble() * 2 - 1) * 0.35 * Options.Activity;
        var interests = categories.OrderBy(_ => random.NextDouble() / categories[random.Next(categories.Count)].Popularity).Take(2 + random.Next(2)).Select(c => c.Id).ToList();
        var needs = new List<Need>();
        foreach (var consumable in categories.Where(c => c.CycleDays > 0 && interests.Contains(c.Id)))
        {
            needs.Add(new Need(consumable.Id, random.Next(0, consumable.CycleDays), "cycle"));
        }

        var seq = 0;
        var session = 0;
        for (var day = 0; day < Options.Days; day++)
        {
            var date = Options.Start.AddDays(day);
            var weekend = date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;

            foreach (var life in Catalog.LifeEvents)
            {
                if (random.NextDouble() < life.DailyProbability * 3)
                {
                    foreach (var item in life.Bundle)
                    {
                        if (!needs.Any(n => n.Category == item))
                        {
                            needs.Add(new Need(item, day + random.Next(1, 14), life.Name));
                        }
                    }
                }
            }

            // A need ignored for long lapses: consumables come back next cycle, one-off needs are dropped.
            foreach (var lapsed in needs.Where(n => day - n.Due > 10).ToList())
            {
                var spec = Catalog.Get(lapsed.Category);
                if (spec.CycleDays > 0)
                {
                    lapsed.Due = day + spec.CycleDays;
                }
                else
                {
                    needs.Remove(lapsed);
                }
            }

            // Needs due soon raise the chance of a visit: intent shows up in behaviour before the purchase.
            var urgent = needs.Where(n => n.Due - day is >= -2 and <= 3).ToList();
            var visitProbability = Math.Min(0.95, activity * (weekend ? 1.3 : 1.0) + (urgent.Count > 0 ? 0.45 : 0));
            if (random.NextDouble() >= visitProbability)
            {
                continue;
            }

            session++;
            var sessionId = "s" + index + "-" + session;
            var second = (int.Parse(Hours[random.Next(Hours.Length)], System.Globalization.CultureInfo.InvariantCulture) * 3600) + random.Next(0, 3000);
            DateTimeOffset Next()
            {
                second = Math.Min(second + random.Next(5, 240), 86_399);
                return new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddSeconds(second);
            }

            GeneratedEvent Emit(EventType type, CategorySpec category, string? query = null, decimal? price = null, int? quantity = null, int? rating = null, string? text = null, string? language = null, IReadOnlyList<NeedLabel>? labels = null) =>
                new(day, new BehaviourEvent
                {
                    EventId = "e" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + (seq++).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    UserId = userId,
                    Type = type,
                    Timestamp = Next(),
                    ProductId = type == EventType.Search ? null : category.Id + "-" + random.Next(1, 9).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    CategoryId = category.Id,
                    Price = price,
                    Quantity = quantity,
                    Query = query,
                    Rating = rating,
                    Text = text,
                    SessionId = sessionId,
                }, language, labels);

            // Browsing: interests, trending categories and noise.
            var browse = 1 + random.Next(3);
            for (var b = 0; b < browse; b++)
            {
                var pick = random.NextDouble() < 0.6
                    ? Catalog.Get(interests[random.Next(interests.Count)])
                    : categories.OrderByDescending(c => c.Popularity * (1 + (c.Trend * day)) * random.NextDouble()).First();
                yield return Emit(EventType.View, pick);
                if (random.NextDouble() < 0.1)
                {
                    yield return Emit(EventType.Wishlist, pick);
                }
            }

            foreach (var need in urgent)
            {
                var category = Catalog.Get(need.Category);
                var daysLeft = need.Due - day;

                // Complements are often bought without browsing first: a latent need.
                var silent = need.Source == "complement" && random.NextDouble() < 0.4;
                if (!silent)
                {
                    if (random.NextDouble() < 0.35)
                    {
                        yield return Emit(EventType.Search, category, query: category.Name);
                    }

                    var views = 1 + random.Next(3);
                    for (var v = 0; v < views; v++)
                    {
                        yield return Emit(EventType.View, category);
                    }
                }

                var buyProbability = daysLeft <= 0 ? 0.75 : 0.25;
                if (random.NextDouble() >= buyProbability)
                {
                    if (random.NextDouble() < 0.3)
                    {
                        yield return Emit(EventType.CartAdd, category);
                        if (random.NextDouble() < 0.3)
                        {
                            yield return Emit(EventType.CartRemove, category);
                        }
                    }

                    continue;
                }

                var price = Math.Round((decimal)(category.MinPrice + (random.NextDouble() * (category.MaxPrice - category.MinPrice))), 2);
                var quantity = category.CycleDays > 0 && random.NextDouble() < 0.3 ? 2 : 1;
                yield return Emit(EventType.CartAdd, category, price: price, quantity: quantity);
                yield return Emit(EventType.Purchase, category, price: price, quantity: quantity);
                if (random.NextDouble() < 0.03)
                {
                    yield return Emit(EventType.Return, category, price: price, quantity: 1);
                }

                if (random.NextDouble() < Options.ReviewRate)
                {
                    var chinese = random.NextDouble() < Options.ChineseShare;
                    var (text, rating, language, labels) = ReviewTemplates.Create(random, category.Aspects, chinese);
                    yield return Emit(EventType.Review, category, rating: rating, text: text, language: language, labels: labels);
                }

                if (category.CycleDays > 0)
                {
                    var jitter = 0.8 + (random.NextDouble() * 0.4);
                    need.Due = day + (int)Math.Round(category.CycleDays * quantity * jitter);
                }
                else
                {
                    needs.Remove(need);
                }

                foreach (var complement in category.Complements)
                {
                    if (random.NextDouble() < 0.6 && !needs.Any(n => n.Category == complement))
                    {
                        needs.Add(new Need(complement, day + random.Next(1, 8), "complement"));
                    }
                }
            }
        }
    }
}
