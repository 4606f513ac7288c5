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
    public void A_purchase_adds_price_times_quantity_to_spend_and_searches_are_kept_normalised()
    {
        var partial = FeatureAggregator.Aggregate("m1", [
            new BehaviourEvent { UserId = "u", Type = EventType.Purchase, Timestamp = T0, ProductId = "p", CategoryId = "c", Price = 2.5m, Quantity = 4 },
            new BehaviourEvent { UserId = "u", Type = EventType.Search, Timestamp = T0, Query = "  Running Shoes " },
        ]).Single();

        partial.Categories["c"].Spend.ShouldBe(10);
        partial.Categories["c"].Counts[(int)EventType.Purchase].ShouldBe(1);
        partial.Searches.ShouldBe(["running shoes"]);
        partial.EventCount.ShouldBe(2);
        partial.Categories["c"].Decayed[CategoryActivity.Index(EventType.Purchase, 0)].ShouldBe(1);
    }
}
