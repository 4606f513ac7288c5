using Demand.Tooling;
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Demand.Core.Scoring;
using Demand.Tooling.Synthetic;
using Demand.Infrastructure;
using Demand.Infrastructure.Onnx;

namespace Demand.Cli.Commands.Bench;

/// <summary>
/// <c>demand bench score</c>: featurize + infer pairs/s on one core (batches of 4,096) with the shipped model through
/// ONNX Runtime, next to PyTorch eager inference of the same model on the same inputs in the same run.
/// </summary>
internal static class ScoreBench
{
    public static Command Create()
    {
        var users = new Option<int>("--users") { DefaultValueFactory = _ => 8_000 };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 4_096 };
        var model = new Option<string>("--model") { DefaultValueFactory = _ => Path.Combine(RepoPaths.RepositoryRoot() ?? ".", "models", "demand-mlp.onnx") };
        var threads = new Option<int>("--intra-op-threads") { Description = "ONNX Runtime threads inside one Run (the app uses 1).", DefaultValueFactory = _ => 1 };
        var command = new Command("score", "Scoring throughput vs PyTorch eager.") { users, batch, model, threads };
        command.SetAction(parse =>
        {
            Run(parse.GetValue(users), parse.GetValue(batch), parse.GetValue(model)!, parse.GetValue(threads));
            return 0;
        });
        return command;
    }

    private static void Run(int userCount, int batch, string modelPath, int intraOpThreads)
    {
        var folder = Directory.CreateTempSubdirectory("demand-bench-score-").FullName;
        MarketWriter.Write(new MarketOptions { Users = userCount, Days = 35, Seed = 3 }, folder);
        var set = TrainingCommands.Load(Path.Combine(folder, "logs", "m1"), null);
        var data = set.Build("m1", [set.Days.Min().AddDays(28)]).Single();
        var users = data.Users.Select(u => u.User).ToList();
        var asOf = new DateTimeOffset(data.Cutoff.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds();
        using var model = OnnxModel.Load(File.ReadAllBytes(modelPath), PairFeatures.Names, PairFeatures.Version, intraOpThreads);
        var width = PairFeatures.Count;

        // Featurize everything once to size the buffers and warm up; then time featurize + infer batch by batch.
        var all = new List<float>();
        var row = new float[width];
        foreach (var user in users)
        {
            var activity = PairFeatures.UserActivity(user, asOf);
            foreach (var pair in PairFeatures.Candidates(user, data.Stats))
            {
                PairFeatures.Compute(user, pair, data.Stats, asOf, row, activity);
                all.AddRange(row);
            }
        }

        var pairs = all.Count / width;
        var features = all.ToArray();
        var output = new float[batch];
        var buffer = new float[batch * width];
        // Best of three passes on each side (the machines are noisy); PyTorch's script does the same.
        var bestTotal = TimeSpan.MaxValue;
        var bestInfer = TimeSpan.MaxValue;
        for (var pass = 0; pass < 3; pass++)
        {
            var featurize = Stopwatch.StartNew();
            var filled = 0;
            var infer = new Stopwatch();
            foreach (var user in users)
            {
                var activity = PairFeatures.UserActivity(user, asOf);
                foreach (var pair in PairFeatures.Candidates(user, data.Stats))
                {
                    PairFeatures.Compute(user, pair, data.Stats, asOf, buffer.AsSpan(filled * width, width), activity);
                    if (++filled == batch)
                    {
                        infer.Start();
                        model.Score(buffer, filled, output);
                        infer.Stop();
                        filled = 0;
                    }
                }
            }

            infer.Start();
            model.Score(buffer.AsSpan(0, filled * width), filled, output);
            infer.Stop();
            featurize.Stop();
            bestTotal = featurize.Elapsed < bestTotal ? featurize.Elapsed : bestTotal;
            bestInfer = infer.Elapsed < bestInfer ? infer.Elapsed : bestInfer;
        }

        var endToEnd = pairs / bestTotal.TotalSeconds;
        var inferOnly = pairs / bestInfer.TotalSeconds;

        var file = Path.Combine(folder, "features.f32");
        using (var writer = new BinaryWriter(File.Create(file)))
        {
            foreach (var v in features)
            {
                writer.Write(v);
            }
        }

        var python = Process.Start(new ProcessStartInfo("/usr/bin/python3", [Path.Combine(RepoPaths.RepositoryRoot() ?? ".", "training", "bench_torch.py"), modelPath, file, width.ToString(System.Globalization.CultureInfo.InvariantCulture), batch.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true })!;
        var json = python.StandardOutput.ReadToEnd();
        python.WaitForExit();
        var torch = JsonDocument.Parse(json).RootElement;
        var torchRate = torch.GetProperty("rows_per_second").GetDouble();
        Console.WriteLine($"pairs: {pairs:N0} from {users.Count:N0} users (batches of {batch:N0}, one featurizing thread, {intraOpThreads} ONNX Runtime intra-op thread(s), ONNX Runtime {OnnxModel.RuntimeVersion}, best of 3 passes each side)");
        Console.WriteLine($"  demand featurize + ONNX Runtime infer: {endToEnd,12:N0} pairs/s");
        Console.WriteLine($"  demand ONNX Runtime infer only:        {inferOnly,12:N0} pairs/s");
        Console.WriteLine($"  PyTorch eager infer only:              {torchRate,12:N0} pairs/s (parity max |diff| {torch.GetProperty("parity_max_abs_diff").GetDouble():E1})");
        Console.WriteLine($"  ratios: featurize+infer / PyTorch eager {endToEnd / torchRate:N2}×, infer / PyTorch eager {inferOnly / torchRate:N2}×");
        Directory.Delete(folder, recursive: true);
    }
}
