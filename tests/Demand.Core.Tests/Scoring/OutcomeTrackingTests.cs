using Demand.Core.Events;
using Demand.Core.Features;
using Demand.Core.Scoring;

namespace Demand.Core.Tests.Scoring;

public sealed class OutcomeTrackingTests
{
    private static readonly DateOnly AsOfDay = new(2026, 11, 10);

    private static long At(int dayOffset, int hour) =>
        new DateTimeOffset(AsOfDay.AddDays(dayOffset).ToDateTime(new TimeOnly(hour, 0)), TimeSpan.Zero).ToUnixTimeSeconds();

    private static SnapshotShopper Shopper(string key, string[] categories, float[] propensities, float[] baseline) =>
        new() { Key = key, Categories = categories, Propensities = propensities, BaselineScores = [baseline] };

    /// <summary>
    /// Shopper A: six candidates, bought x (a candidate) and w (not one); B bought y; C bought nothing; D was erased
    /// (no labels). The baseline ranks A's purchase sixth, out of its top 5.
    /// </summary>
    private static PredictionSnapshot HandBuilt() => new()
    {
        MerchantId = "m1",
        AsOfDay = AsOfDay,
        AsOf = At(0, 22),
        ModelVersion = "v1",
        HorizonDays = 7,
        RecordedAt = DateTimeOffset.UnixEpoch,
        ActiveShoppers = 4,
        Baselines = ["baseline: b"],
        Shoppers =
        [
            Shopper("ka", ["x", "y", "z", "q1", "q2", "q3"], [0.9f, 0.2f, 0.4f, 0.05f, 0.05f, 0.05f], [1, 6, 5, 4, 3, 2]),
            Shopper("kb", ["x", "y"], [0.3f, 0.35f], [5, 4]),
            Shopper("kc", ["z"], [0.1f], [0]),
            Shopper("kd", ["x"], [0.99f], [9]),
        ],
    };

    private static Dictionary<string, HashSet<string>> Labels(params (string Key, string[] Bought)[] shoppers) =>
        shoppers.ToDictionary(s => s.Key, s => s.Bought.ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);

    [Fact]
    public void Purchases_count_on_the_horizon_days_after_the_as_of_day_and_nowhere_else()
    {
        var user = UserFeatures.Create("m1", "u1");
        user.Observe(EventType.Purchase, "same-day", At(0, 23));
        user.Observe(EventType.Purchase, "first-day", At(1, 9));
        user.Observe(EventType.Purchase, "last-day", At(7, 23));
        user.Observe(EventType.Purchase, "after", At(8, 0));
        user.Observe(EventType.View, "viewed", At(3, 12));
        user.Observe(EventType.Purchase, "again", At(3, 10));
        user.Observe(EventType.Purchase, "again", At(10, 10));
        user.Observe(EventType.Purchase, "before", At(-2, 10));

        var bought = OutcomeTracking.Bought(user, AsOfDay, 7);

        bought.Order(StringComparer.Ordinal).ShouldBe(["again", "first-day", "last-day"]);
    }

    [Fact]
    public void An_outcome_has_the_auc_recall_and_calibration_worked_out_by_hand_next_to_the_baseline()
    {
        var outcome = OutcomeTracking.Evaluate(HandBuilt(), Labels(("ka", ["x", "w"]), ("kb", ["y"]), ("kc", [])), DateTimeOffset.UnixEpoch);

        outcome.ModelVersion.ShouldBe("v1");
        outcome.HorizonEnd.ShouldBe(new DateOnly(2026, 11, 17));
        outcome.Shoppers.ShouldBe(3, "the erased shopper drops out");
        outcome.Buyers.ShouldBe(2);
        outcome.Pairs.ShouldBe(9);

        // Positives 0.9 and 0.35 against seven negatives: 0.9 beats all 7, 0.35 beats 6 (not 0.4): 13/14.
        outcome.Auc.ShouldBe(0.9286);

        // A: x first of its top 5, w not a candidate: 1/2; B: y first: 1. Mean over the two buyers.
        outcome.RecallAt5.ShouldBe(0.75);

        // Bins: 0.05×3 (none bought) .15, 0.1 .1, 0.2 .2, {0.3, 0.35} one of two bought |.5 − .325|×2 = .35, 0.4 .4, 0.9 bought .1: 1.3/9.
        outcome.Ece.ShouldBe(0.1444);
        outcome.MeanPropensity.ShouldBe(0.2667);
        outcome.ObservedRate.ShouldBe(0.2222);

        // Baseline: positive 1 beats only 0; positive 4 beats 3, 2, 0 and ties one 4: 4.5/14. A's x is ranked sixth: recall 0 and 1.
        var baseline = outcome.Baselines.ShouldHaveSingleItem();
        baseline.Name.ShouldBe("baseline: b");
        baseline.Auc.ShouldBe(0.3214);
        baseline.RecallAt5.ShouldBe(0.5);
    }

    [Fact]
    public void Without_any_purchase_auc_and_recall_are_absent_rather_than_invented()
    {
        var outcome = OutcomeTracking.Evaluate(HandBuilt(), Labels(("ka", []), ("kb", []), ("kc", [])), DateTimeOffset.UnixEpoch);

        outcome.Buyers.ShouldBe(0);
        outcome.Auc.ShouldBeNull();
        outcome.RecallAt5.ShouldBeNull();
        outcome.ObservedRate.ShouldBe(0);
        outcome.Baselines.ShouldHaveSingleItem().Auc.ShouldBeNull();
    }

    [Fact]
    public void A_retried_evaluation_adds_no_second_outcome_and_history_keeps_the_newest_fifty()
    {
        var state = new MerchantModelState { MerchantId = "m1" };
        var labels = Labels(("ka", ["x"]), ("kb", []), ("kc", []));
        var first = OutcomeTracking.Evaluate(HandBuilt(), labels, DateTimeOffset.UnixEpoch);

        OutcomeTracking.Append(state, first).ShouldBeTrue();
        OutcomeTracking.Append(state, first with { EvaluatedAt = DateTimeOffset.UnixEpoch.AddDays(1) }).ShouldBeFalse();
        state.Outcomes.ShouldHaveSingleItem().EvaluatedAt.ShouldBe(DateTimeOffset.UnixEpoch);

        for (var d = 1; d <= MerchantModelState.MaxHistory; d++)
        {
            OutcomeTracking.Append(state, first with { AsOfDay = AsOfDay.AddDays(d) }).ShouldBeTrue();
        }

        state.Outcomes.Count.ShouldBe(MerchantModelState.MaxHistory);
        state.Outcomes[0].AsOfDay.ShouldBe(AsOfDay.AddDays(1), "the oldest went");
        state.Outcomes[^1].AsOfDay.ShouldBe(AsOfDay.AddDays(MerchantModelState.MaxHistory));
    }

    [Fact]
    public void The_sample_is_the_active_shoppers_first_by_stable_hash_whatever_order_they_stream_in()
    {
        var users = Enumerable.Range(0, 40).Select(i =>
        {
            var u = UserFeatures.Create("m1", "user-" + i);
            u.Observe(EventType.View, "c", At(0, 1));
            return u;
        }).ToList();
        var inactive = users.Where((_, i) => i % 4 == 0).ToHashSet();
        var expected = users.Where(u => !inactive.Contains(u)).OrderBy(u => MerchantTraining.StableFraction(u.UserId)).Take(5).Select(u => u.UserId).ToList();

        foreach (var order in new[] { users, Enumerable.Reverse(users).ToList() })
        {
            var pass = new OutcomePass([], maxShoppers: 5);
            foreach (var user in order)
            {
                pass.Observe(user, active: !inactive.Contains(user));
            }

            pass.Active.ShouldBe(30);
            pass.Sample().Select(u => u.UserId).ShouldBe(expected);
        }
    }

    [Fact]
    public void A_pass_labels_the_shoppers_of_a_due_snapshot_and_no_one_else()
    {
        var buyer = UserFeatures.Create("m1", "buyer");
        buyer.Observe(EventType.Purchase, "x", At(2, 10));
        var stranger = UserFeatures.Create("m1", "stranger");
        stranger.Observe(EventType.Purchase, "x", At(2, 10));
        var snapshot = HandBuilt() with { Shoppers = [Shopper(OutcomeTracking.ShopperKey("buyer"), ["x"], [0.5f], [1])] };

        var pass = new OutcomePass([snapshot]);
        pass.Observe(buyer, active: true);
        pass.Observe(stranger, active: true);

        pass.Bought(0).Keys.ShouldBe([OutcomeTracking.ShopperKey("buyer")]);
        pass.Bought(0)[OutcomeTracking.ShopperKey("buyer")].ShouldBe(["x"]);
    }

    [Fact]
    public void A_snapshot_keeps_what_the_served_scorer_gave_every_candidate_of_every_sampled_shopper()
    {
        var users = new[] { "u1", "u2" }.Select(id =>
        {
            var u = UserFeatures.Create("m1", id);
            u.Observe(EventType.View, "a", At(0, 5));
            u.Observe(EventType.Purchase, id == "u1" ? "b" : "c", At(-3, 5));
            return u;
        }).ToList();
        var stats = MerchantStats.Build("m1", users, At(0, 6));
        var calls = 0;
        PairScorer scorer = (features, rows, probabilities) =>
        {
            calls++;
            for (var r = 0; r < rows; r++)
            {
                probabilities[r] = (r + 1) / 100f;
            }
        };

        var snapshot = OutcomeTracking.Snapshot("m1", users, 7, stats, At(0, 6), scorer, "v9", 7, DateTimeOffset.UnixEpoch);

        calls.ShouldBe(1, "one batch, as profiles are scored");
        var (pairs, _) = ProfileScoring.Expand(users, stats, At(0, 6));
        snapshot.Shoppers.Select(s => s.Key).ShouldBe([OutcomeTracking.ShopperKey("u1"), OutcomeTracking.ShopperKey("u2")]);
        snapshot.Shoppers.SelectMany(s => s.Categories).ShouldBe(pairs.Select(p => p.Pair.CategoryId));
        snapshot.Shoppers.SelectMany(s => s.Propensities).ShouldBe(Enumerable.Range(1, pairs.Count).Select(r => r / 100f));
        snapshot.Baselines.ShouldBe(LinearRanker.Baselines.Select(b => b.Name));
        snapshot.Shoppers.ShouldAllBe(s => s.BaselineScores.Count == LinearRanker.Baselines.Count && s.BaselineScores.All(b => b.Count == s.Categories.Count));
        (snapshot.AsOfDay, snapshot.ModelVersion, snapshot.ActiveShoppers).ShouldBe((AsOfDay, "v9", 7));
    }
}
