using System.ComponentModel.DataAnnotations;

namespace Demand.Functions.Training;

/// <summary>Per-merchant training (section <c>Training</c>): bounds that keep a run within a 2 GB instance and minutes.</summary>
public sealed class TrainingOptions
{
    public const string Section = "Training";

    /// <summary>Days of logs read back (newest first); older parts are left out of the features.</summary>
    [Range(14, 730)]
    public int MaxHistoryDays { get; set; } = 120;

    /// <summary>
    /// Shoppers kept for training; beyond it a stable hash of the shopper id samples them (all their events or none).
    /// Memory follows it: 10,000 of a 100,000-shopper merchant peak at ~1.5 GB, 20,000 at ~2.7 GB (docs/benchmarks.md).
    /// </summary>
    [Range(1_000, 1_000_000)]
    public int MaxShoppers { get; set; } = 10_000;

    /// <summary>Pairs kept for fitting (after shopper sampling, a second stable sample).</summary>
    [Range(10_000, 2_000_000)]
    public int MaxTrainingRows { get; set; } = 200_000;

    [Range(1, 28)]
    public int HorizonDays { get; set; } = 7;
}
