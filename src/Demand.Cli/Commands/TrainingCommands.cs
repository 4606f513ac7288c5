using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Demand.Core.Identifiers;
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
        var active = new Option<int>("--active-days") { Description = "Shoppers seen within this many days before a cutoff are exported (as `evaluate --active-days`).", DefaultValueFactory = _ => 30 };
        var command = new Command("export-training", "Write training pairs (features, daily sequences, labels) from daily log parts.") { logs, output, cutoffs, horizon, mapping, active };
        command.SetAction(parse =>
        {
            var set = Load(parse.GetValue(logs)!, parse.GetValue(mapping));
            var first = set.Days.Min();
            var sets = set.Build("m", parse.GetValue(cutoffs)!.Split(',').Select(c => first.AddDays(int.Parse(c, CultureInfo.InvariantCulture))), parse.GetValue(horizon), activeDays: parse.GetValue(active));
            var rows = Write(parse.GetValue(output)!, sets, set);
            Console.WriteLine($"{rows:N0} pairs over {sets.Count} cutoffs → {Path.GetFullPath(parse.GetValue(output)!)}");
            return 0;
        });
        return command;
    }

    public static Command Evaluate()
    {
        var logs = new Option<string>("--logs") { Description = "Folder of daily parts: <yyyy-MM-dd>/<part>, the layout merchants upload.", Required = true };
        var model = new Option<string>("--model") { Description = "The global ONNX model (a candidate of the gate).", DefaultValueFactory = _ => "models/demand-mlp.onnx" };
        var cutoff = new Option<int>("--cutoff") { Description = "Day offset (from the first day with accepted events) of the held-out cutoff: history before it, the horizon from it.", DefaultValueFactory = _ => 28 };
        var horizon = new Option<int>("--horizon") { DefaultValueFactory = _ => 7 };
        var mapping = new Option<string?>("--mapping") { Description = "Mapping file (default layout when omitted), as the merchant would save it." };
        var active = new Option<int>("--active-days") { Description = "Shoppers seen within this many days before a cutoff are scored (the app rescores 30 nightly; every shopper has a profile from their last data).", DefaultValueFactory = _ => 30 };
        var step = new Option<int>("--step") { Description = "Days between training cutoffs.", DefaultValueFactory = _ => 3 };
        var cutoffs = new Option<int>("--training-cutoffs") { Description = "Training cutoffs before the back-test week.", DefaultValueFactory = _ => 6 };
        var backTests = new Option<int>("--backtests") { Description = "Back-test cutoffs (one horizon apart) ending at the cutoff.", DefaultValueFactory = _ => 2 };
        var floor = new Option<bool>("--fail-below-baseline") { Description = "Exit 1 when what the app serves is below the best baseline on Recall@5 or AUC." };
        var challengers = new Option<string[]>("--challenger") { Description = "A sequence challenger ONNX (training/train_sequence.py) scored on the same horizon pairs, next to the served ranker; repeatable. Not part of the gate." };
        var command = new Command("evaluate", "What the app would serve a merchant whose logs are exactly these: ingest, train and gate on the history before the cutoff, score the horizon; AUC, Recall@5, NDCG@5 and calibration next to the baselines.") { logs, model, cutoff, horizon, mapping, active, step, cutoffs, backTests, floor, challengers };
        command.SetAction(parse =>
        {
            try
            {
                var set = Load(parse.GetValue(logs)!, parse.GetValue(mapping));
                var served = ServedEvaluation.Run(set, parse.GetValue(cutoff), parse.GetValue(horizon), parse.GetValue(model)!, new MerchantTrainingOptions { ActiveDays = parse.GetValue(active), CutoffStepDays = parse.GetValue(step), TrainingCutoffs = parse.GetValue(cutoffs), BackTestCutoffs = parse.GetValue(backTests) }, Console.WriteLine, parse.GetValue(challengers));
                Console.WriteLine(served.ToTable());
                if (parse.GetValue(floor) && !served.AtLeastBestBaseline)
                {
                    Console.Error.WriteLine("evaluate: what the app serves is below the best baseline on Recall@5 or AUC");
                    return 1;
                }

                return 0;
            }
            catch (EvaluationInputException e)
            {
                Console.Error.WriteLine("evaluate: " + e.Message);
                return 2;
            }
        });
        return command;
    }

    public static TrainingSet Load(string folder, string? mappingFile)
    {
        if (!Directory.Exists(folder))
        {
            throw new EvaluationInputException($"{folder} does not exist.");
        }

        var mapping = mappingFile is null ? LogMapping.Default : LogMapping.Parse(File.ReadAllText(mappingFile));
        var set = new TrainingSet();
        var dayFolders = Directory.EnumerateDirectories(folder)
            .Select(d => (Path: d, Ok: DateOnly.TryParseExact(Path.GetFileName(d), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day), Day: day))
            .Where(d => d.Ok)
            .OrderBy(d => d.Day)
            .ToList();
        if (dayFolders.Count == 0)
        {
            var plain = Directory.EnumerateFiles(folder).Count();
            throw new EvaluationInputException(
                $"{folder} has no day sub-folders (yyyy-MM-dd/<part>){(plain > 0 ? $" but {plain} plain file(s)" : "")}: put each day's parts in a folder named by its date, as uploads are named " +
                "(training/real_logs.py does this for the public logs).");
        }

        foreach (var (dayFolder, _, day) in dayFolders)
        {
            foreach (var file in Directory.EnumerateFiles(dayFolder).Order(StringComparer.Ordinal))
            {
                set.AddPart(day, MerchantId.Parse("m"), File.ReadAllBytes(file), mapping);
            }
        }

        if (set.Days.Count == 0)
        {
            throw new EvaluationInputException($"No event in {folder} was accepted ({set.Rejected:N0} rejected): check the mapping with `demand mappings check`.");
        }

        return set;
    }

    /// <summary>Writes the pairs; with <paramref name="logs"/> also each pair's <see cref="PairSequence"/> (seq.f32, [N, days, channels]).</summary>
    public static int Write(string folder, IReadOnlyList<CutoffSet> sets, TrainingSet? logs = null)
    {
        Directory.CreateDirectory(folder);
        using var features = new BinaryWriter(File.Create(Path.Combine(folder, "features.f32")));
        using var labels = File.Create(Path.Combine(folder, "labels.u8"));
        using var cutoffs = new BinaryWriter(File.Create(Path.Combine(folder, "cutoff.i32")));
        // The row's shopper (index into its cutoff's scored shoppers): per-shopper metrics such as Recall@5.
        using var users = new BinaryWriter(File.Create(Path.Combine(folder, "user.i32")));
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
                users.Write(sets[c].UserIndex[i]);
                rows++;
            }
        }

        if (logs is not null)
        {
            using var sequences = new BinaryWriter(File.Create(Path.Combine(folder, "seq.f32")));
            foreach (var set in sets)
            {
                // One cutoff at a time: a cutoff's sequences are 896 bytes a pair.
                foreach (var v in PairSequence.Build(logs, set))
                {
                    sequences.Write(v);
                }
            }
        }

        File.WriteAllText(Path.Combine(folder, "meta.json"), JsonSerializer.Serialize(new
        {
            featureNames = PairFeatures.Names,
            featureVersion = PairFeatures.Version,
            sequence = logs is null ? null : new { version = PairSequence.Version, days = PairSequence.Days, channels = PairSequence.ChannelNames },
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
