using Demand.Core.Scoring;

namespace Demand.Core.Tests.Scoring;

public sealed class LiveEvidenceTests
{
    private static ModelOutcome Outcome(string version, int day, int buyers, double? recall, params (string Name, double? Recall)[] baselines) => new()
    {
        ModelVersion = version,
        AsOfDay = new DateOnly(2026, 11, 1).AddDays(day),
        AsOf = DateTimeOffset.UnixEpoch,
        HorizonEnd = new DateOnly(2026, 11, 8).AddDays(day),
        EvaluatedAt = DateTimeOffset.UnixEpoch,
        Shoppers = buyers * 3,
        Buyers = buyers,
        Pairs = buyers * 20,
        RecallAt5 = recall,
        Ece = 0.01,
        MeanPropensity = 0.05,
        ObservedRate = 0.05,
        Baselines = [.. baselines.Select(b => new OutcomeBaseline(b.Name, 0.7, b.Recall))],
    };

    [Fact]
    public void A_version_name_keeps_its_recipe_and_the_global_version_is_its_own_recipe()
    {
        ModelVersions.Recipe("merchant-logistic-20261130-0a1b2c3d").ShouldBe("merchant-logistic");
        ModelVersions.Recipe("baseline-recency-frequency-20261130-ffffffff").ShouldBe("baseline-recency-frequency");
        ModelVersions.Recipe("demand-mlp-3").ShouldBe("demand-mlp-3");
        ModelVersions.Recipe("merchant-logistic-2026113-0a1b2c3d").ShouldBe("merchant-logistic-2026113-0a1b2c3d", "not a day: no suffix to strip");
    }

    [Fact]
    public void A_written_version_is_named_by_its_recipe_day_and_weights()
    {
        var ranker = new LinearRanker { Name = "merchant model (logistic)", Weights = new double[PairExpansion.Count], Bias = 0.5 };
        var candidate = new GateCandidate(ranker.Name, CandidateKind.Merchant, ranker.Score, ranker);

        var version = ModelVersions.For(candidate, new DateOnly(2026, 11, 30));

        version.ShouldStartWith("merchant-logistic-20261130-");
        ModelVersions.Recipe(version).ShouldBe(ModelVersions.MerchantRecipe);
        ModelVersions.For(candidate, new DateOnly(2026, 11, 30)).ShouldBe(version, "the same weights and day give the same version");
        var other = new LinearRanker { Name = ranker.Name, Weights = ranker.Weights, Bias = 0.6 };
        ModelVersions.For(candidate with { Linear = other }, new DateOnly(2026, 11, 30)).ShouldNotBe(version);
    }

    [Fact]
    public void Outcomes_are_pooled_per_recipe_with_recall_weighted_by_buyers()
    {
        // Two weekly versions of the merchant recipe: (0.2 × 10 + 0.5 × 30) / 40 = 0.425; baseline a: (0.4 × 10 + 0.6 × 30) / 40 = 0.55.
        IReadOnlyList<ModelOutcome> outcomes =
        [
            Outcome("merchant-logistic-20261101-00000001", 0, 10, 0.2, ("a", 0.4), ("b", 0.1)),
            Outcome("merchant-logistic-20261108-00000002", 1, 30, 0.5, ("a", 0.6), ("b", 0.8)),
            Outcome("demand-mlp-3", 2, 50, 0.9, ("a", 0.1), ("b", 0.2)),
        ];

        var records = LiveEvidence.Records(outcomes);

        records.Select(r => r.Recipe).ShouldBe(["demand-mlp-3", "merchant-logistic"]);
        var merchant = records[1];
        merchant.Horizons.ShouldBe(2);
        merchant.Buyers.ShouldBe(40);
        merchant.RecallAt5.ShouldBe(0.425);
        merchant.BestBaseline.ShouldBe("b", "b pools to (0.1 × 10 + 0.8 × 30) / 40 = 0.625");
        merchant.BestBaselineRecallAt5.ShouldBe(0.625);
        merchant.Losing.ShouldBeTrue("0.425 is more than the margin below 0.625, over 2 horizons and 40 buyers");
        records[0].Losing.ShouldBeFalse("one horizon is not evidence, and it won");
    }

    [Fact]
    public void A_recipe_does_not_lose_on_one_horizon_on_few_buyers_or_within_the_margin()
    {
        LiveEvidence.Records([Outcome("v-20261101-00000001", 0, 100, 0.1, ("a", 0.9))]).Single().Losing.ShouldBeFalse("one horizon");
        LiveEvidence.Records([Outcome("v-20261101-00000001", 0, 10, 0.1, ("a", 0.9)), Outcome("v-20261108-00000001", 1, 10, 0.1, ("a", 0.9))])
            .Single().Losing.ShouldBeFalse("20 buyers");
        LiveEvidence.Records([Outcome("v-20261101-00000001", 0, 20, 0.50, ("a", 0.51)), Outcome("v-20261108-00000001", 1, 20, 0.50, ("a", 0.51))])
            .Single().Losing.ShouldBeFalse("0.01 below is within the margin");
        LiveEvidence.Records([Outcome("v-20261101-00000001", 0, 20, 0.50, ("a", 0.53)), Outcome("v-20261108-00000001", 1, 20, 0.50, ("a", 0.53))])
            .Single().Losing.ShouldBeTrue("0.03 below, 2 horizons, 40 buyers");
    }

    [Fact]
    public void Only_the_newest_horizons_count_and_horizons_without_buyers_are_ignored()
    {
        // Four old losing horizons, then four winning ones: the window sees only the winners.
        var outcomes = Enumerable.Range(0, 4).Select(d => Outcome("v-20261101-00000001", d, 20, 0.1, ("a", 0.5)))
            .Concat(Enumerable.Range(4, 4).Select(d => Outcome("v-20261101-00000001", d, 20, 0.6, ("a", 0.5))))
            .Append(Outcome("v-20261101-00000001", 9, 0, null, ("a", null)))
            .ToList();

        var record = LiveEvidence.Records(outcomes).Single();

        record.Horizons.ShouldBe(LiveEvidence.Window);
        record.RecallAt5.ShouldBe(0.6);
        record.Losing.ShouldBeFalse();
    }

    [Fact]
    public void The_outcome_that_tips_a_recipe_into_losing_is_the_one_that_asks_for_a_retrain()
    {
        var first = Outcome("merchant-logistic-20261101-00000001", 0, 20, 0.2, ("a", 0.5));
        var second = Outcome("merchant-logistic-20261101-00000001", 1, 20, 0.2, ("a", 0.5));
        var third = Outcome("merchant-logistic-20261101-00000001", 2, 20, 0.2, ("a", 0.5));

        LiveEvidence.TurnsLosing([], first, "merchant-logistic").ShouldBeFalse("one horizon");
        LiveEvidence.TurnsLosing([first], second, "merchant-logistic").ShouldBeTrue();
        LiveEvidence.TurnsLosing([first, second], third, "merchant-logistic").ShouldBeFalse("already losing: asked once");
        LiveEvidence.TurnsLosing([first, second], second, "merchant-logistic").ShouldBeFalse("a retried outcome adds nothing");
        LiveEvidence.TurnsLosing([first], second, "demand-mlp-3").ShouldBeFalse("another recipe");
    }
}
