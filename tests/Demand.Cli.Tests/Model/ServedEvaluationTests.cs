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

    [Fact]
    public void A_challenger_that_does_not_read_the_pair_features_and_daily_sequence_is_refused_with_one_sentence_before_any_training()
    {
        var folder = Directory.CreateTempSubdirectory("demand-challenger-").FullName;
        try
        {
            MarketWriter.Write(new MarketOptions { Users = 40, Days = 20, Seed = 5 }, folder);
            var set = TrainingCommands.Load(Path.Combine(folder, "logs", "m1"), null);
            var logged = new List<string>();

            var error = Should.Throw<EvaluationInputException>(() => ServedEvaluation.Run(set, 14, 3, ModelPath, new MerchantTrainingOptions(), logged.Add, [ModelPath]));

            error.Message.ShouldStartWith("--challenger " + ModelPath);
            error.Message.ShouldContain(PairSequence.InputVersion);
            error.Message.ShouldNotContain("\n");
            logged.ShouldBeEmpty("refused before the gate trains anything");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_sequence_challenger_is_scored_on_the_horizon_next_to_the_served_ranker_without_changing_what_is_served()
    {
        var folder = Directory.CreateTempSubdirectory("demand-challenger-").FullName;
        try
        {
            MarketWriter.Write(new MarketOptions { Users = 300, Days = 42, Seed = 23 }, folder);
            var set = TrainingCommands.Load(Path.Combine(folder, "logs", "m1"), null);
            var challenger = Path.Combine(RepoPaths.RepositoryRoot()!, "models", "demand-gru.onnx");

            var without = ServedEvaluation.Run(set, 35, 7, ModelPath, new MerchantTrainingOptions(), _ => { });
            var with = ServedEvaluation.Run(set, 35, 7, ModelPath, new MerchantTrainingOptions(), _ => { }, [challenger]);

            with.Served.ShouldBe(without.Served);
            with.Horizon.ShouldBe(without.Horizon);
            var row = with.Challengers.ShouldHaveSingleItem();
            row.Name.ShouldStartWith("challenger: demand-gru");
            row.Auc.ShouldBeInRange(0.5, 1.0, "a trained ranker on a generated market ranks buyers above chance");
            var table = with.ToTable();
            table.ShouldContain(row.Name + ": Recall@5 / best baseline ");
            table.Split('\n')[^1].ShouldStartWith("Recall@5 served / best baseline: ");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
