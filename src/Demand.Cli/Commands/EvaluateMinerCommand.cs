using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Xml.Linq;
using Demand.Core.Mining;
using Demand.Infrastructure.Mining;

namespace Demand.Cli.Commands;

/// <summary>A labelled aspect term of an English test sentence: span [From, To) and polarity (negative | neutral | positive | conflict).</summary>
internal sealed record AspectTerm(string Term, int From, int To, string Polarity);

/// <summary>
/// <c>demand evaluate-miner</c>: scores the shipped miner through <c>demand mine</c> itself (the test sets are written
/// as review lines, mined by <see cref="MineCommand.MineFileAsync"/>, and the output lines are scored) on real labelled
/// data in ../shared/datasets — English: SemEval-14 laptops and restaurants test gold, MAMS-ATSA test (aspect-term F1 by
/// exact span, polarity accuracy on matched terms, conflict terms left out of accuracy); Chinese: a balanced sample of
/// the held-out chinese-absa splits per product domain (share of negative reviews that get ≥ 1 negative aspect, share of
/// positive reviews that get one). The lexicon miner runs on the same lines as the baseline. Floors apply to the
/// shipped miner and make the command exit 1 (scripts/evaluate.sh; the data lives outside the repository, so this
/// cannot be a test).
/// </summary>
internal static class EvaluateMinerCommand
{
    public static Command Create()
    {
        var datasets = new Option<string>("--datasets") { Description = "The datasets folder (mams/, semeval14/, chinese-absa/).", DefaultValueFactory = _ => "../shared/datasets" };
        var perClass = new Option<int>("--zh-per-class") { Description = "Chinese reviews per polarity and domain in the balanced sample.", DefaultValueFactory = _ => 100 };
        var minLaptops = new Option<double>("--min-laptops-f1") { Description = "Floor: SemEval-14 laptops test aspect-term F1." };
        var minRestaurants = new Option<double>("--min-restaurants-f1") { Description = "Floor: SemEval-14 restaurants test aspect-term F1." };
        var minAccuracy = new Option<double>("--min-accuracy") { Description = "Floor: polarity accuracy on matched terms (both SemEval-14 sets)." };
        var minZhNegative = new Option<double>("--min-zh-negative") { Description = "Floor: share of negative Chinese reviews with a negative aspect." };
        var maxZhPositive = new Option<double>("--max-zh-positive") { Description = "Ceiling: share of positive Chinese reviews with a negative aspect.", DefaultValueFactory = _ => 1.0 };
        var baseline = new Option<bool>("--baseline") { Description = "Also score the lexicon miner on the same lines.", DefaultValueFactory = _ => true };
        var command = new Command("evaluate-miner", "Score the shipped need miner (via demand mine) on real labelled review sets.")
        {
            datasets, perClass, minLaptops, minRestaurants, minAccuracy, minZhNegative, maxZhPositive, baseline,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var root = parse.GetValue(datasets)!;
            var missing = new[] { "semeval14/Laptops_Test_Gold.xml", "semeval14/Restaurants_Test_Gold.xml", "mams/MAMS-ATSA/test.xml", "chinese-absa" }
                .Where(f => !Path.Exists(Path.Combine(root, f))).ToList();
            if (missing.Count > 0)
            {
                Console.Error.WriteLine($"evaluate-miner: missing under {Path.GetFullPath(root)}: {string.Join(", ", missing)}");
                return 2;
            }

            using var learned = new LearnedNeedMiner(LearnedMinerFiles.Default);
            var miners = new List<INeedMiner> { learned };
            if (parse.GetValue(baseline))
            {
                miners.Add(new LexiconNeedMiner());
            }

            var work = Directory.CreateTempSubdirectory("demand-evaluate-miner-");
            var exit = 0;
            try
            {
                var english = new[]
                {
                    ("SemEval-14 laptops test", "laptops", LoadSentences(Path.Combine(root, "semeval14", "Laptops_Test_Gold.xml"))),
                    ("SemEval-14 restaurants test", "restaurants", LoadSentences(Path.Combine(root, "semeval14", "Restaurants_Test_Gold.xml"))),
                    ("MAMS-ATSA test", "mams", LoadSentences(Path.Combine(root, "mams", "MAMS-ATSA", "test.xml"))),
                };
                var chinese = ChineseSample(root, parse.GetValue(perClass));
                foreach (var miner in miners)
                {
                    var shipped = ReferenceEquals(miner, learned);
                    Console.WriteLine($"{miner.Version}{(shipped ? " (shipped)" : " (baseline)")}:");
                    foreach (var (name, key, sentences) in english)
                    {
                        var started = Stopwatch.GetTimestamp();
                        var lines = await MineAsync(work.FullName, miner, sentences.Select((s, i) => MineCommand.InputLine("s" + i, s.Text, "en")), cancellationToken);
                        var (precision, recall, f1, accuracy, matched) = ScoreEnglish(sentences, lines);
                        Console.WriteLine($"  {name,-28} aspect-term P {precision:F3} R {recall:F3} F1 {f1:F3}; polarity accuracy {accuracy:F3} on {matched:N0} matched terms ({sentences.Count:N0} sentences, {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s)");
                        if (shipped)
                        {
                            exit |= Floor(name + " F1", f1, key switch { "laptops" => parse.GetValue(minLaptops), "restaurants" => parse.GetValue(minRestaurants), _ => 0 });
                            exit |= Floor(name + " polarity accuracy", accuracy, key == "mams" ? 0 : parse.GetValue(minAccuracy));
                        }
                    }

                    var mined = await MineAsync(work.FullName, miner, chinese.Select((r, i) => MineCommand.InputLine("z" + i, r.Review.Text, "zh")), cancellationToken);
                    var negativeHit = new List<bool>();
                    var positiveHit = new List<bool>();
                    foreach (var domain in ChineseAbsa.Domains)
                    {
                        var neg = chinese.Select((r, i) => (r, i)).Where(x => x.r.Review.Domain == domain && x.r.Label == "negative").Select(x => HasNegative(mined[x.i])).ToList();
                        var pos = chinese.Select((r, i) => (r, i)).Where(x => x.r.Review.Domain == domain && x.r.Label == "positive").Select(x => HasNegative(mined[x.i])).ToList();
                        negativeHit.AddRange(neg);
                        positiveHit.AddRange(pos);
                        Console.WriteLine($"  chinese-absa {domain,-11} negative reviews with a negative aspect {Share(neg):F3} ({neg.Count}), positive reviews with one {Share(pos):F3} ({pos.Count})");
                    }

                    Console.WriteLine($"  chinese-absa all domains    negative reviews with a negative aspect {Share(negativeHit):F3} ({negativeHit.Count}), positive reviews with one {Share(positiveHit):F3} ({positiveHit.Count})");
                    if (shipped)
                    {
                        exit |= Floor("Chinese negative reviews with a negative aspect", Share(negativeHit), parse.GetValue(minZhNegative));
                        exit |= Floor("1 - Chinese positive reviews with a negative aspect", 1 - Share(positiveHit), 1 - parse.GetValue(maxZhPositive));
                    }
                }
            }
            finally
            {
                work.Delete(recursive: true);
            }

            return exit;
        });
        return command;
    }

    private static double Share(List<bool> values) => values.Count == 0 ? 0 : values.Count(v => v) / (double)values.Count;

    private static bool HasNegative(MinedLine line) => line.Aspects.Any(a => a.Polarity == AspectNeeds.Negative);

    private static int Floor(string figure, double value, double floor)
    {
        if (value >= floor)
        {
            return 0;
        }

        Console.Error.WriteLine($"evaluate-miner: {figure} {value:F3} is below the floor {floor:F2}.");
        return 1;
    }

    /// <summary>Writes the lines as a reviews file, runs <c>demand mine</c>'s pipeline on it and reads its output back.</summary>
    private static async Task<List<MinedLine>> MineAsync(string folder, INeedMiner miner, IEnumerable<string> inputLines, CancellationToken cancellationToken)
    {
        var input = Path.Combine(folder, "reviews.jsonl");
        var output = Path.Combine(folder, "needs.jsonl");
        await File.WriteAllLinesAsync(input, inputLines, cancellationToken);
        await using (var writer = new StreamWriter(output))
        {
            await MineCommand.MineFileAsync(input, writer, miner, cancellationToken);
        }

        return File.ReadLines(output).Select(MineCommand.ParseLine).ToList();
    }

    private static (double Precision, double Recall, double F1, double Accuracy, int Matched) ScoreEnglish(List<(string Text, IReadOnlyList<AspectTerm> Terms)> sentences, List<MinedLine> lines)
    {
        double tp = 0, predicted = 0, gold = 0, polarityRight = 0, polarityScored = 0;
        for (var i = 0; i < sentences.Count; i++)
        {
            var terms = sentences[i].Terms;
            // A term found twice (two sentences' windows) counts once.
            // Aspect terms are named in the text (SemEval's definition): implicit aspects ("too heavy") are not terms.
            var found = lines[i].Aspects.Where(a => a.Implicit != true).GroupBy(a => (a.From, a.To)).Select(g => g.First()).ToList();
            predicted += found.Count;
            gold += terms.Select(t => (t.From, t.To)).Distinct().Count();
            foreach (var term in terms.DistinctBy(t => (t.From, t.To)))
            {
                var match = found.FirstOrDefault(f => f.From == term.From && f.To == term.To);
                if (match is null)
                {
                    continue;
                }

                tp++;
                if (term.Polarity != "conflict")
                {
                    polarityScored++;
                    polarityRight += match.Polarity == term.Polarity ? 1 : 0;
                }
            }
        }

        var precision = predicted == 0 ? 0 : tp / predicted;
        var recall = gold == 0 ? 0 : tp / gold;
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return (precision, recall, f1, polarityScored == 0 ? 0 : polarityRight / polarityScored, (int)tp);
    }

    /// <summary>Reviews whose labels are all negative or all positive, up to <paramref name="perClass"/> of each per domain (fixed seed).</summary>
    private static List<(ChineseReview Review, string Label)> ChineseSample(string root, int perClass)
    {
        var random = new Random(2026);
        var sample = new List<(ChineseReview, string)>();
        foreach (var group in ChineseAbsa.Load(root, "test").GroupBy(r => r.Domain))
        {
            foreach (var label in new[] { "negative", "positive" })
            {
                var pool = group.Where(r =>
                {
                    var polarities = r.Aspects.Concat(r.Opinions).Select(a => a.Polarity).ToHashSet(StringComparer.Ordinal);
                    return polarities.Contains(label) && !polarities.Contains(label == "negative" ? "positive" : "negative");
                }).ToArray();
                random.Shuffle(pool);
                sample.AddRange(pool.Take(perClass).Select(r => (r, label)));
            }
        }

        return sample;
    }

    /// <summary>SemEval-14 / MAMS-ATSA XML: sentences with their aspect terms.</summary>
    public static List<(string Text, IReadOnlyList<AspectTerm> Terms)> LoadSentences(string file) =>
        XDocument.Load(file).Descendants("sentence").Select(s => (
            s.Element("text")!.Value,
            (IReadOnlyList<AspectTerm>)s.Descendants("aspectTerm").Select(a => new AspectTerm(
                a.Attribute("term")!.Value,
                int.Parse(a.Attribute("from")!.Value, CultureInfo.InvariantCulture),
                int.Parse(a.Attribute("to")!.Value, CultureInfo.InvariantCulture),
                a.Attribute("polarity")!.Value)).ToList())).ToList();
}
