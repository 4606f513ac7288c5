namespace Demand.Core.Scoring;

/// <summary>
/// What the served model predicted for a bounded, stable sample of a merchant's active shoppers as of one data day:
/// every scored candidate's propensity, and each baseline's ranking score for the same pairs, so the outcome can put
/// the served model next to the baselines on what then happened. One per (merchant, as-of day); blob
/// <c>models/{merchantId}/snapshots/{yyyy-MM-dd}.json</c>. Shoppers are named by <see cref="OutcomeTracking.ShopperKey"/>,
/// never by id: the snapshot holds no identifier a merchant could read back, and an erased shopper simply has no
/// features left to label.
/// </summary>
public sealed record PredictionSnapshot
{
    /// <summary>Shoppers kept per snapshot: a bound on its size (about 60 bytes of JSON a candidate: ~1.5 MB for 2,000 shoppers with 12 candidates each) and on the evaluation's memory.</summary>
    public const int MaxShoppers = 2_000;

    public required string MerchantId { get; init; }

    /// <summary>The UTC day of <see cref="AsOf"/>: the snapshot's key, and the day before the horizon's first.</summary>
    public required DateOnly AsOfDay { get; init; }

    /// <summary>The merchant's data time the predictions were made as of (unix seconds).</summary>
    public required long AsOf { get; init; }

    public required string ModelVersion { get; init; }

    public required int HorizonDays { get; init; }

    public required DateTimeOffset RecordedAt { get; init; }

    /// <summary>Active shoppers the sample was drawn from.</summary>
    public required int ActiveShoppers { get; init; }

    /// <summary>The baselines whose scores <see cref="SnapshotShopper.BaselineScores"/> holds, in order.</summary>
    public required IReadOnlyList<string> Baselines { get; init; }

    public required IReadOnlyList<SnapshotShopper> Shoppers { get; init; }

    /// <summary>The last day of the horizon: labels are purchases on <see cref="AsOfDay"/> + 1 … this day.</summary>
    public DateOnly HorizonEnd => AsOfDay.AddDays(HorizonDays);
}

/// <summary>One sampled shopper: the candidates scored, the served propensity of each, and each baseline's score of each.</summary>
public sealed record SnapshotShopper
{
    public required string Key { get; init; }

    public required IReadOnlyList<string> Categories { get; init; }

    public required IReadOnlyList<float> Propensities { get; init; }

    /// <summary>Per baseline (<see cref="PredictionSnapshot.Baselines"/>), its score of each candidate.</summary>
    public required IReadOnlyList<IReadOnlyList<float>> BaselineScores { get; init; }
}
