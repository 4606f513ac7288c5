using Demand.Cli.Commands;
using Demand.Core.Scoring;
using Demand.Tooling;
using Demand.Tooling.Synthetic;

namespace Demand.Cli.Tests.Model;

public sealed class ServedEvaluationTests
{
    private static string ModelPath => Path.Combine(RepoPaths.RepositoryRoot()!, "models", "demand-mlp.onnx");

    [Fact]
    public void A_folder_of_plain_files_without_day_folders_is_refused_with_a_sentence_saying_how_to_lay_it_out()
    {
        var folder = Directory.CreateTempSubdirectory("demand-plain-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "UserBehavior.csv"), "1,2,3,pv,1511544070\n");

            var error = Should.Throw<EvaluationInputException>(() => TrainingCommands.Load(folder, null));

            error.Message.ShouldContain("no day sub-folders");
            error.Message.ShouldContain("1 plain file");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_cutoff_past_the_data_is_refused_with_the_days_the_data_covers()
    {
        var folder = Directory.CreateTempSubdirectory("demand-short-").FullName;
        try
        {
            MarketWriter.Write(new MarketOptions { Users = 40, Days = 10, Seed = 3 }, folder);
            var set = TrainingCommands.Load(Path.Combine(folder, "logs", "m1"), null);

            var error = Should.Throw<EvaluationInputException>(() => ServedEvaluation.Run(set, 12, 7, ModelPath, new MerchantTrainingOptions(), _ => { }));

            error.Message.ShouldContain("past the data");
            error.Message.ShouldContain("10 days");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void On_a_generated_market_the_gate_serves_a_ranker_at_least_as_good_as_the_best_baseline_on_its_back_test()
    {
        var folder = Directory.CreateTempSubdirectory("demand-served-").FullName;
        try
        {
            MarketWriter.Write(new MarketOptions { Users = 400, Days = 42, Seed = 17 }, folder);
            var set = TrainingCommands.Load(Path.Combine(folder, "logs", "m1"), null);

            var served = ServedEvaluation.Run(set, 35, 7, ModelPath, new MerchantTrainingOptions(), _ => { });

            var backTestServed = served.BackTest.Single(r => r.Name == served.Served);
            var baselines = served.BackTest.Where(r => r.Name.StartsWith("baseline:", StringComparison.Ordinal)).ToList();
            baselines.Count.ShouldBe(4);
            backTestServed.Recall.ShouldBeGreaterThanOrEqualTo(baselines.Max(b => b.Recall));
            served.ToTable().ShouldContain("Recall@5 served / best baseline: ");
            served.ToTable().ShouldNotContain("NaN");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
