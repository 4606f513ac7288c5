using Demand.Cli.Commands;
using Demand.Tooling.Synthetic;

namespace Demand.Cli.Tests.Mining;

/// <summary>
/// Needs against the generator's labels (generated in the test, nothing read from outside the repository). The
/// floors on real review data are checked by scripts/evaluate.sh, which .ci/run runs after ./test.sh.
/// </summary>
public sealed class MinerEvaluationTests
{
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
