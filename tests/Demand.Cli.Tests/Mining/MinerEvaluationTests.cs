using Demand.Cli.Commands;
using Demand.Core.Synthetic;
using Demand.Infrastructure;

namespace Demand.Cli.Tests.Mining;

public sealed class MinerEvaluationTests
{
    /// <summary>The shared datasets folder beside the repository (DEMAND_DATASETS overrides); a missing dataset fails the test.</summary>
    private static string Mams => Path.Combine(
        Environment.GetEnvironmentVariable("DEMAND_DATASETS") ?? Path.Combine(RepoPaths.RepositoryRoot()!, "..", "shared", "datasets"),
        "mams", "MAMS-ATSA");

    [Fact]
    public void The_offline_miner_reaches_the_targets_on_the_mams_atsa_test_set()
    {
        Directory.Exists(Mams).ShouldBeTrue($"MAMS-ATSA not found at {Mams}");

        var (f1, accuracy, _) = EvaluateMinerCommand.Mams(Mams);

        f1.ShouldBeGreaterThanOrEqualTo(0.60);
        accuracy.ShouldBeGreaterThanOrEqualTo(0.60);
    }

    [Fact]
    public void The_lexicon_miner_recovers_the_generators_labelled_needs_in_both_languages()
    {
        var folder = Directory.CreateTempSubdirectory("demand-reviews-").FullName;
        MarketWriter.Write(new MarketOptions { Users = 800, Days = 28, Seed = 77, ReviewRate = 0.5 }, folder);

        var (precision, recall, count) = EvaluateMinerCommand.Generated(Path.Combine(folder, "truth", "m1", "reviews.jsonl"));

        count.ShouldBeGreaterThan(300);
        precision.ShouldBeGreaterThan(0.8);
        recall.ShouldBeGreaterThan(0.9);
        Directory.Delete(folder, recursive: true);
    }
}
