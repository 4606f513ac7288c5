using Demand.Core.Features;
using Demand.Core.Scoring;

namespace Demand.Core.Tests.Scoring;

public sealed class ChampionGateTests
{
    /// <summary>Three shoppers, seven candidate categories each (more than the five Recall@5 looks at); each bought "c0".</summary>
    private static CutoffSet BackTest()
    {
        var set = new CutoffSet { Cutoff = new DateOnly(2026, 11, 1), Stats = new MerchantStats { MerchantId = "m" } };
        for (var u = 0; u < 3; u++)
        {
            set.Users.Add((UserFeatures.Create("m", "u" + u), new HashSet<string>(StringComparer.Ordinal) { "c0" }));
            for (var c = 0; c < 7; c++)
            {
                var row = new float[PairFeatures.Count];
                row[0] = c;
                set.Rows.Add(row);
                set.Labels.Add(c == 0);
                set.UserIndex.Add(u);
                set.Categories.Add("c" + c);
            }
        }

        return set;
    }

    /// <summary>A ranker scoring each row from its category number (feature 0): <paramref name="byCategory"/>[c].</summary>
    private static GateCandidate Ranker(string name, CandidateKind kind, params float[] byCategory) =>
        new(name, kind, (features, rows, probabilities) =>
        {
            for (var r = 0; r < rows; r++)
            {
                probabilities[r] = byCategory[(int)features[r * PairFeatures.Count]];
            }
        });

    [Fact]
    public void A_deliberately_bad_model_is_not_served_and_the_best_baseline_is()
    {
        GateCandidate[] candidates =
        [
            Ranker("baseline: good", CandidateKind.Baseline, 0.9f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f),
            Ranker("baseline: weak", CandidateKind.Baseline, 0.1f, 0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f),
            Ranker("merchant model (inverted)", CandidateKind.Merchant, 0.01f, 0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f),
        ];

        var decision = ChampionGate.Choose(candidates, BackTest());

        decision.Winner.Name.ShouldBe("baseline: good");
        decision.BackTest.Single(m => m.Name == "merchant model (inverted)").Recall.ShouldBe(0);
        decision.Reason.ShouldContain("no model reached the best baseline");
    }

    [Fact]
    public void A_model_at_least_as_good_as_the_best_baseline_on_recall_and_auc_is_served()
    {
        GateCandidate[] candidates =
        [
            Ranker("baseline: fair", CandidateKind.Baseline, 0.5f, 0.6f, 0.7f, 0.1f, 0.2f, 0.3f, 0.05f),
            Ranker("merchant model", CandidateKind.Merchant, 0.9f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f),
        ];

        ChampionGate.Choose(candidates, BackTest()).Winner.Name.ShouldBe("merchant model");
    }

    [Fact]
    public void On_a_tie_the_current_champion_keeps_its_place()
    {
        GateCandidate[] candidates =
        [
            Ranker("baseline: fair", CandidateKind.Baseline, 0.5f, 0.6f, 0.7f, 0.1f, 0.2f, 0.3f, 0.05f),
            Ranker("merchant model", CandidateKind.Merchant, 0.9f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f),
            Ranker("current: v1", CandidateKind.Champion, 0.8f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f),
        ];

        ChampionGate.Choose(candidates, BackTest()).Winner.Kind.ShouldBe(CandidateKind.Champion);
    }
}
