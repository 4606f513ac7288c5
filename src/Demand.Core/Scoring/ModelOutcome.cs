namespace Demand.Core.Scoring;

/// <summary>
/// What a served model's predictions were worth once their horizon had passed: one <see cref="PredictionSnapshot"/>
/// compared with the purchases of its shoppers in the horizon, next to the baselines on the same pairs. Kept in the
/// merchant's <see cref="MerchantModelState.Outcomes"/>.
/// </summary>
public sealed record ModelOutcome
{
    public required string ModelVersion { get; init; }

    public required DateOnly AsOfDay { get; init; }

    public required DateTimeOffset AsOf { get; init; }

    /// <summary>The last day of the horizon (purchases from the day after <see cref="AsOfDay"/> to this one are the labels).</summary>
    public required DateOnly HorizonEnd { get; init; }

    public required DateTimeOffset EvaluatedAt { get; init; }

    /// <summary>Sampled shoppers still known when the horizon ended (an erased shopper drops out).</summary>
    public required int Shoppers { get; init; }

    /// <summary>Shoppers who bought anything in the horizon: the denominator of Recall@5.</summary>
    public required int Buyers { get; init; }

    /// <summary>Scored (shopper, category) pairs: the population of AUC and calibration.</summary>
    public required int Pairs { get; init; }

    /// <summary>AUC over the pairs; null when no pair (or every pair) was bought.</summary>
    public double? Auc { get; init; }

    /// <summary>Mean Recall@5 over buyers (purchases outside the candidates count as misses); null without buyers.</summary>
    public double? RecallAt5 { get; init; }

    /// <summary>Expected calibration error over ten equal-width propensity bins.</summary>
    public required double Ece { get; init; }

    public required double MeanPropensity { get; init; }

    /// <summary>Share of the scored pairs that were bought: what <see cref="MeanPropensity"/> should match.</summary>
    public required double ObservedRate { get; init; }

    public required IReadOnlyList<OutcomeBaseline> Baselines { get; init; }
}

/// <summary>A baseline's ranking figures on the same pairs and purchases.</summary>
public sealed record OutcomeBaseline(string Name, double? Auc, double? RecallAt5);
