using Demand.Core.Identifiers;
using Demand.Core.Events;
using Demand.Core.Features;
using Demand.Core.Ingestion;

namespace Demand.Core.Tests.Ingestion;

public sealed class FeatureAggregatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Events_in_any_order_give_the_same_per_user_partial()
    {
        var events = Enumerable.Range(0, 40).Select(i => new BehaviourEvent
        {
            UserId = "u" + (i % 3),
            Type = i % 5 == 0 ? EventType.Purchase : EventType.View,
            Timestamp = T0.AddHours(i * 7),
            ProductId = "p" + i,
            CategoryId = "c" + (i % 4),
            Price = i % 5 == 0 ? 10 : null,
        }).ToList();

        var forward = FeatureAggregator.Aggregate("m1", events).OrderBy(p => p.UserId).ToList();
        var shuffled = FeatureAggregator.Aggregate("m1", events.OrderBy(e => e.ProductId!.GetHashCode(StringComparison.Ordinal))).OrderBy(p => p.UserId).ToList();

        forward.Count.ShouldBe(3);
        for (var u = 0; u < forward.Count; u++)
        {
            forward[u].ReferenceTime.ShouldBe(shuffled[u].ReferenceTime);
            forward[u].EventCount.ShouldBe(shuffled[u].EventCount);
            foreach (var (category, activity) in forward[u].Categories)
            {
                var other = shuffled[u].Categories[category];
                for (var i = 0; i < activity.Decayed.Length; i++)
                {
                    activity.Decayed[i].ShouldBe(other.Decayed[i], 1e-9);
                }

                activity.PurchaseTimes.ShouldBe(other.PurchaseTimes);
            }
        }
    }

    [Fact]
    public void A_purchase_adds_price_times_quantity_to_spend_and_searches_are_kept_trimmed()
    {
        var partial = FeatureAggregator.Aggregate("m1", [
            new BehaviourEvent { UserId = "u", Type = EventType.Purchase, Timestamp = T0, ProductId = "p", CategoryId = "c", Price = 2.5m, Quantity = 4 },
            new BehaviourEvent { UserId = "u", Type = EventType.Search, Timestamp = T0, Query = "  Running Shoes " },
        ]).Single();

        partial.Categories["c"].Spend.ShouldBe(10);
        partial.Categories["c"].Counts[(int)EventType.Purchase].ShouldBe(1);
        partial.Searches.ShouldBe(["Running Shoes"]);
        partial.EventCount.ShouldBe(2);
        partial.Categories["c"].Decayed[CategoryActivity.Index(EventType.Purchase, 0)].ShouldBe(1);
    }

    [Fact]
    public void Real_time_aggregation_builds_the_same_partials_as_ingesting_the_same_events_from_a_log()
    {
        var events = Enumerable.Range(0, 60).Select(i => new BehaviourEvent
        {
            EventId = "e" + i,
            UserId = "u" + (i % 4),
            Type = (i % 6) switch { 0 => EventType.Purchase, 1 => EventType.Search, 2 => EventType.Review, 3 => EventType.CartAdd, _ => EventType.View },
            Timestamp = T0.AddMinutes(i * 97),
            ProductId = "p" + (i % 9),
            CategoryId = "c" + (i % 3),
            Price = i % 6 == 0 ? 4.25m : null,
            Quantity = i % 6 == 0 ? 2 : null,
            Query = i % 6 == 1 ? " query " + (i % 5) : null,
            Rating = i % 6 == 2 ? 1 + (i % 5) : null,
            Text = i % 6 == 2 ? "text " + i : null,
        }).ToList();
        var log = string.Concat(events.Select(e => System.Text.Json.JsonSerializer.Serialize(e, DemandJson.Options) + "\n"));

        var realTime = FeatureAggregator.Aggregate("m1", events).ToDictionary(p => p.UserId);
        var logged = new LogIngestor(LogMapping.Default, now: T0.AddDays(10)).Ingest(MerchantId.Parse("m1"), "p", "p.jsonl", System.Text.Encoding.UTF8.GetBytes(log));

        logged.Report.Accepted.ShouldBe(60);
        realTime.Keys.Order().ShouldBe(logged.Users.Keys.Order());
        foreach (var (userId, partial) in logged.Users)
        {
            System.Text.Json.JsonSerializer.Serialize(realTime[userId], DemandJson.Options).ShouldBe(System.Text.Json.JsonSerializer.Serialize(partial, DemandJson.Options));
        }
    }
}
