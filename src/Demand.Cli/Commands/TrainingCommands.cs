using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Demand.Core.Ingestion;
using Demand.Core.Scoring;
using Demand.Infrastructure.Onnx;

namespace Demand.Cli.Commands;

/// <summary><c>demand export-training</c> and <c>demand evaluate</c>: the model's data and its report card, from daily log parts.</summary>
internal static class TrainingCommands
{
    public static Command ExportTraining()
    {
        var logs = new Option<string>("--logs") { Description = "Folder of daily parts: <yyyy-MM-dd>/<part> (e.g. generated/logs/m1).", Required = true };
        var output = new Option<string>("--out") { Required = true };
        var cutoffs = new Option<string>("--cutoffs") { Description = "Comma-separated day offsets from the first day (features before, labels from).", DefaultValueFactory = _ => "14,17,20,23" };
        var horizon = new Option<int>("--horizon") { Description = "Label horizon in days.", DefaultValueFactory = _ => 7 };
        var mapping = new Option<string?>("--mapping") { Description = "Mapping file (default layout when omitted)." };
        var command = new Command("export-training", "Write training pairs (features + labels) from daily log parts.") { logs, output, cutoffs, horizon, mapping };
        command.SetAction(parse =>
        {
            var set = Load(parse.GetValue(logs)!, parse.GetValue(mapping));
            var first = set.Days.Min();
            var sets = set.Build("m", parse.GetValue(cutoffs)!.Split(',').Select(c => first.AddDays(int.Parse(c, CultureInfo.InvariantCulture))), parse.GetValue(horizon));
            var rows = Write(parse.GetValue(output)!, sets);
            Console.WriteLine($"{rows:N0} pairs over {sets.Count} cutoffs → {Path.GetFullPath(parse.GetValue(output)!)}");
            return 0;
        });
        return command;
    }

    public static Command Evaluate()
    {
        var logs = new Option<string>("--logs") { Required = true };
        var model = new Option<string>("--model") { DefaultValueFactory = _ => "models/demand-mlp.onnx" };
        var cutoff = new Option<int>("--cutoff") { Description = "Day offset of the held-out cutoff.", DefaultValueFactory = _ => 28 };
        var horizon = new Option<int>("--horizon") { DefaultValueFactory = _ => 7 };
        var mapping = new Option<string?>("--mapping");
        var command = new Command("evaluate", "AUC, Recall@5, NDCG@5 and calibration of the model vs baselines on a held-out period.") { logs, model, cutoff, horizon, mapping };
        command.SetAction(parse =>
        {
            var set = Load(parse.GetValue(logs)!, parse.GetValue(mapping));
            var day = set.Days.Min().AddDays(parse.GetValue(cutoff));
            var data = set.Build("m", [day], parse.GetValue(horizon)).Single();
            using var onnx = OnnxModel.Load(File.ReadAllBytes(parse.GetValue(model)!), PairFeatures.Names, PairFeatures.Version);
            var report = ModelEvaluation.Run(data, onnx);
            Console.WriteLine(report.ToTable());
            return 0;
        });
        return command;
    }

    public static TrainingSet Load(string folder, string? mappingFile)
    {
        var mapping = mappingFile is null ? LogMapping.Default : LogMapping.Parse(File.ReadAllText(mappingFile));
        var set = new TrainingSet();
        foreach (var dayFolder in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal))
        {
            if (!DateOnly.TryParseExact(Path.GetFileName(dayFolder), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(dayFolder).Order(StringComparer.Ordinal))
            {
                set.AddPart(day, "m", File.ReadAllBytes(file), mapping);
            }
        }

        return set;
    }

    public static int Write(string folder, IReadOnlyList<CutoffSet> sets)
    {
        Directory.CreateDirectory(folder);
        using var features = new BinaryWriter(File.Create(Path.Combine(folder, "features.f32")));
        using var labels = File.Create(Path.Combine(folder, "labels.u8"));
        using var cutoffs = new BinaryWriter(File.Create(Path.Combine(folder, "cutoff.i32")));
        var rows = 0;
        for (var c = 0; c < sets.Count; c++)
        {
            for (var i = 0; i < sets[c].Rows.Count; i++)
            {
                foreach (var v in sets[c].Rows[i])
                {
                    features.Write(v);
                }

                labels.WriteByte(sets[c].Labels[i] ? (byte)1 : (byte)0);
                cutoffs.Write(c);
                rows++;
            }
        }

        File.WriteAllText(Path.Combine(folder, "meta.json"), JsonSerializer.Serialize(new
        {
            featureNames = PairFeatures.Names,
            featureVersion = PairFeatures.Version,
            summary = new
            {
                cutoffs = sets.Select(s => s.Cutoff.ToString("O", CultureInfo.InvariantCulture)).ToArray(),
                rows,
                positives = sets.Sum(s => s.Labels.Count(l => l)),
                users = sets.Sum(s => s.Users.Count),
            },
        }));
        return rows;
    }
}
