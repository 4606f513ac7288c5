using Demand.Core.Events;
using Demand.Core.Features;

namespace Demand.Core.Tests.Features;

public sealed class UserFeaturesTests
{
    private const long Day = 86_400;
    private static readonly long T0 = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    private static readonly (EventType Type, string Category, long At)[] Events =
    [
        (EventType.View, "c1", T0 + (3 * Day)),
        (EventType.Purchase, "c1", T0 + (1 * Day)),
        (EventType.View, "c2", T0 + (10 * Day)),
        (EventType.CartAdd, "c1", T0 + (7 * Day) + 3600),
        (EventType.Purchase, "c1", T0 + (12 * Day)),
    ];

    private static UserFeatures Observe(IEnumerable<(EventType Type, string Category, long At)> events)
    {
        var features = UserFeatures.Create("m1", "u1");
        foreach (var (type, category, at) in events)
        {
            features.Observe(type, category, at, spend: 10);
        }

        return features;
    }

    [Fact]
    public void Decayed_counts_do_not_depend_on_the_order_events_arrive_in()
    {
        var inOrder = Observe(Events.OrderBy(e => e.At));
        var shuffled = Observe(Events.Reverse());

        shuffled.ReferenceTime.ShouldBe(inOrder.ReferenceTime);
        shuffled.Categories["c1"].Decayed.ShouldBe(inOrder.Categories["c1"].Decayed, tolerance: 1e-12);
        shuffled.Categories["c1"].PurchaseTimes.ShouldBe(inOrder.Categories["c1"].PurchaseTimes);
    }

    [Fact]
    public void A_view_one_half_life_old_counts_half()
    {
        var features = Observe([(EventType.View, "c1", T0), (EventType.Search, "c9", T0 + (7 * Day))]);

        var weekHalfLife = features.DecayedAt(features.Categories["c1"], EventType.View, 1, T0 + (7 * Day));
        weekHalfLife.ShouldBe(0.5, tolerance: 1e-12);
        features.DecayedAt(features.Categories["c1"], EventType.View, 0, T0).ShouldBe(1.0, tolerance: 1e-9);
    }

    [Fact]
    public void Merging_partial_aggregates_equals_observing_every_event_in_one_state()
    {
        var whole = Observe(Events);
        var first = Observe(Events.Take(2));
        var second = Observe(Events.Skip(2));

        var merged = UserFeatures.Create("m1", "u1");
        merged.Merge(second);
        merged.Merge(first);

        merged.EventCount.ShouldBe(whole.EventCount);
        merged.ReferenceTime.ShouldBe(whole.ReferenceTime);
        merged.FirstSeen.ShouldBe(whole.FirstSeen);
        merged.Categories["c1"].Decayed.ShouldBe(whole.Categories["c1"].Decayed, tolerance: 1e-12);
        merged.Categories["c1"].Counts.ShouldBe(whole.Categories["c1"].Counts);
        merged.Categories["c1"].Spend.ShouldBe(whole.Categories["c1"].Spend);
    }

    [Fact]
    public void Several_purchases_on_one_day_are_one_purchase_occasion()
    {
        var features = Observe([(EventType.Purchase, "c1", T0 + 100), (EventType.Purchase, "c1", T0 + 200), (EventType.Purchase, "c1", T0 + (30 * Day))]);

        features.Categories["c1"].PurchaseTimes.Count.ShouldBe(2);
        features.Categories["c1"].Counts[(int)EventType.Purchase].ShouldBe(3);
    }

    [Fact]
    public void A_part_is_recorded_once_in_the_exactly_once_ledger()
    {
        var features = UserFeatures.Create("m1", "u1");

        features.TryMarkMerged("p1").ShouldBeTrue();
        features.TryMarkMerged("p1").ShouldBeFalse();
        features.MergedParts.ShouldBe(["p1"]);
    }
}
