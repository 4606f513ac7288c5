using Demand.Tooling;
using System.Diagnostics;
using System.Text.Json;
using Demand.Cli.Commands;
using Demand.Core.Scoring;
using Demand.Tooling.Synthetic;
using Demand.Infrastructure;
using Demand.Infrastructure.Onnx;

namespace Demand.Cli.Tests.Model;

public sealed class ModelQualityTests
{
    private static string Root => RepoPaths.RepositoryRoot()!;

    private static TrainingSet Market(int users, int days, int seed)
    {
        var folder = Directory.CreateTempSubdirectory("demand-market-").FullName;
        MarketWriter.Write(new MarketOptions { Users = users, Days = days, Seed = seed }, folder);
        var set = TrainingCommands.Load(Path.Combine(folder, "logs", "m1"), null);
        Directory.Delete(folder, recursive: true);
        return set;
    }

    [Fact]
    public void The_shipped_model_beats_the_baselines_on_a_held_out_period_of_an_unseen_market()
    {
        // Ten weeks, so long-cycle consumables have a purchase history before the held-out week.
        var set = Market(users: 2500, days: 70, seed: 2026);
        var data = set.Build("m1", [set.Days.Min().AddDays(63)]).Single();
        using var model = OnnxModel.Load(File.ReadAllBytes(Path.Combine(Root, "models", "demand-mlp.onnx")), PairFeatures.Names, PairFeatures.Version);

        var report = ModelEvaluation.Run(data, model);

        report.Rows[0].Auc.ShouldBeGreaterThanOrEqualTo(0.85, report.ToTable());
        report.Rows[0].Auc.ShouldBeGreaterThan(report.Rows[1].Auc + 0.1);
        report.Rows[0].Auc.ShouldBeGreaterThan(report.Rows[2].Auc + 0.1);
        (report.ModelRecall / report.BestBaselineRecall).ShouldBeGreaterThanOrEqualTo(1.3, report.ToTable());
        report.Rows[0].Ece.ShouldBeLessThan(0.03);
    }

    [Fact]
    public async Task Retraining_on_a_small_generated_market_produces_a_model_the_runtime_loads_and_that_matches_pytorch()
    {
        var set = Market(users: 700, days: 28, seed: 9);
        var first = set.Days.Min();
        var data = Directory.CreateTempSubdirectory("demand-train-").FullName;
        TrainingCommands.Write(data, set.Build("m1", [first.AddDays(12), first.AddDays(15), first.AddDays(18)]));
        var output = Path.Combine(data, "model.onnx");

        var metrics = await TrainAsync("train.py", "--data", data, "--out", output, "--epochs", "12", "--version", "test-model");
        metrics.GetProperty("validation_auc").GetDouble().ShouldBeGreaterThan(0.8);
        using var model = OnnxModel.Load(File.ReadAllBytes(output), PairFeatures.Names, PairFeatures.Version);
        model.Version.ShouldBe("test-model");
        var fixture = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(output, ".parity.json"))).RootElement;
        var inputs = fixture.GetProperty("inputs").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToList();
        var expected = fixture.GetProperty("expected").EnumerateArray().Select(v => v.GetDouble()).ToList();
        var scores = new float[inputs.Count];
        model.Score(inputs.SelectMany(r => r).ToArray(), inputs.Count, scores);
        for (var i = 0; i < scores.Length; i++)
        {
            ((double)scores[i]).ShouldBe(expected[i], 1e-5);
        }

        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task Retraining_the_sequence_challenger_on_exported_sequences_produces_a_model_the_runtime_loads_and_that_matches_pytorch()
    {
        var set = Market(users: 400, days: 28, seed: 19);
        var first = set.Days.Min();
        var data = Directory.CreateTempSubdirectory("demand-train-seq-").FullName;
        var rows = TrainingCommands.Write(data, set.Build("m1", [first.AddDays(12), first.AddDays(15), first.AddDays(18)]), set);
        var output = Path.Combine(data, "challenger.onnx");

        new FileInfo(Path.Combine(data, "seq.f32")).Length.ShouldBe((long)rows * PairSequence.Length * sizeof(float));
        (await TrainAsync("train_sequence.py", "--data", data, "--out", output, "--epochs", "2", "--no-ablation", "--version", "test-gru"))
            .GetProperty("validation_auc").GetDouble().ShouldBeGreaterThan(0.6);
        using var model = SequenceOnnxModel.Load(File.ReadAllBytes(output));
        model.Version.ShouldBe("test-gru");
        var fixture = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(output, ".parity.json"))).RootElement;
        float[] Flat(string name) => fixture.GetProperty(name).EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle())).ToArray();
        var expected = fixture.GetProperty("expected").EnumerateArray().Select(v => v.GetDouble()).ToList();
        var scores = new float[expected.Count];
        model.Score(Flat("features"), Flat("sequences"), expected.Count, scores);
        expected.Count.ShouldBeGreaterThan(10);
        for (var i = 0; i < scores.Length; i++)
        {
            ((double)scores[i]).ShouldBe(expected[i], 1e-5);
        }

        Directory.Delete(data, recursive: true);
    }

    /// <summary>Runs a training script with /usr/bin/python3; its last output line is the metrics JSON. Both streams are read at once, so a chatty stderr cannot block it.</summary>
    private static async Task<JsonElement> TrainAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(Root, "training", script), .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var python = Process.Start(start)!;
        var stdout = python.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = python.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await python.WaitForExitAsync(TestContext.Current.CancellationToken);
        python.ExitCode.ShouldBe(0, await stderr);
        return JsonDocument.Parse((await stdout).Trim().Split('\n')[^1]).RootElement;
    }
}
