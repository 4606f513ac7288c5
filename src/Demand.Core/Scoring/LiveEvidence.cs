namespace Demand.Core.Scoring;

/// <summary>
/// What the outcomes say about one recipe (<see cref="ModelVersions.Recipe"/>) while it served: its newest
/// <see cref="LiveEvidence.Window"/> evaluated horizons pooled, Recall@5 weighted by each horizon's buyers, next to the
/// best baseline pooled the same way on the same shoppers.
/// </summary>
public sealed record LiveRecord(string Recipe, int Horizons, int Buyers, double RecallAt5, string BestBaseline, double BestBaselineRecallAt5)
{
    /// <summary>
    /// Enough evidence (<see cref="LiveEvidence.MinHorizons"/> horizons, <see cref="LiveEvidence.MinBuyers"/> buyers) that
    /// the recipe served worse than a baseline would have, by more than <see cref="LiveEvidence.Margin"/>.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Losing =>
        Horizons >= LiveEvidence.MinHorizons && Buyers >= LiveEvidence.MinBuyers && RecallAt5 < BestBaselineRecallAt5 - LiveEvidence.Margin;

    public string Describe() =>
        string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"{Recipe}: live Recall@5 {RecallAt5:F3} vs {BestBaseline} {BestBaselineRecallAt5:F3} over {Horizons} horizons, {Buyers} buyers");
}

/// <summary>
/// Live evidence for the champion gate: the back-test says how a candidate would have done on last weeks' data; the
/// outcomes say how the served recipe did on shoppers it actually scored. A recipe whose outcomes lose to a baseline is
/// left out of the gate (<see cref="MerchantTraining"/>'s caller) until those outcomes age out of the history, so the
/// gate cannot promote it again on a back-test alone. Baselines are never left out: they are the floor.
/// </summary>
public static class LiveEvidence
{
    /// <summary>Evaluated horizons needed before outcomes can overrule the back-test: one week can be a holiday.</summary>
    public const int MinHorizons = 2;

    /// <summary>Buyers (pooled over the horizons) needed: Recall@5 over fewer moves by more than the margin by chance.</summary>
    public const int MinBuyers = 30;

    /// <summary>The newest horizons of a recipe that count: older ones judged older data.</summary>
    public const int Window = 4;

    /// <summary>
    /// How far below the best baseline a recipe must fall to lose. The best of four baselines, picked after the fact, is
    /// biased upwards, and a ranker level with the baselines costs little either way.
    /// </summary>
    public const double Margin = 0.02;

    /// <summary>One record per recipe among <paramref name="outcomes"/> that has a horizon with buyers.</summary>
    public static IReadOnlyList<LiveRecord> Records(IEnumerable<ModelOutcome> outcomes) =>
        [
            .. outcomes
                .Where(o => o.RecallAt5 is not null && o.Buyers > 0)
                .GroupBy(o => ModelVersions.Recipe(o.ModelVersion), StringComparer.Ordinal)
                .Select(g => Pool(g.Key, [.. g.OrderByDescending(o => o.AsOfDay).Take(Window)]))
                .OrderBy(r => r.Recipe, StringComparer.Ordinal),
        ];

    /// <summary>
    /// Whether appending <paramref name="outcome"/> turns <paramref name="recipe"/> from not losing to losing: the moment
    /// to ask for a retrain rather than wait for the weekly one. A repeated outcome (same as-of day) changes nothing.
    /// </summary>
    public static bool TurnsLosing(IReadOnlyList<ModelOutcome> before, ModelOutcome outcome, string recipe)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(outcome);
        if (before.Any(o => o.AsOfDay == outcome.AsOfDay))
        {
            return false;
        }

        return !IsLosing(before, recipe) && IsLosing([.. before, outcome], recipe);
    }

    private static bool IsLosing(IEnumerable<ModelOutcome> outcomes, string recipe) =>
        Records(outcomes).Any(r => r.Losing && string.Equals(r.Recipe, recipe, StringComparison.Ordinal));

    private static LiveRecord Pool(string recipe, IReadOnlyList<ModelOutcome> horizons)
    {
        var buyers = horizons.Sum(o => o.Buyers);
        var served = horizons.Sum(o => o.RecallAt5!.Value * o.Buyers) / buyers;
        var baselines = horizons
            .SelectMany(o => o.Baselines.Where(b => b.RecallAt5 is not null).Select(b => (b.Name, Weighted: b.RecallAt5!.Value * o.Buyers, o.Buyers)))
            .GroupBy(b => b.Name, StringComparer.Ordinal)
            // A baseline counts only where it was measured on every horizon of the window: same shoppers, same purchases.
            .Where(g => g.Count() == horizons.Count)
            .Select(g => (Name: g.Key, Recall: g.Sum(b => b.Weighted) / buyers))
            .OrderByDescending(b => b.Recall)
            .ThenBy(b => b.Name, StringComparer.Ordinal)
            .ToList();
        var best = baselines.Count > 0 ? baselines[0] : (Name: "none", Recall: 0.0);
        return new LiveRecord(recipe, horizons.Count, buyers, Math.Round(served, 4), best.Name, Math.Round(best.Recall, 4));
    }
}
