using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Demand.Core.Mining;

namespace Demand.Cli.Commands;

/// <summary>
/// <c>demand evaluate-miner</c>: aspect-term F1 and polarity accuracy on MAMS-ATSA (lexicon and polarity model
/// learned from train, threshold chosen on val, reported on test), and need precision/recall of the lexicon miner
/// on generated EN+ZH reviews against the generator's labels. With <c>--min-f1</c> / <c>--min-accuracy</c> a MAMS
/// result below a floor exits 1 (scripts/evaluate.sh runs it in CI: the dataset lives outside the repository, so
/// it cannot be a test).
/// </summary>
internal static class EvaluateMinerCommand
{
    public static Command Create()
    {
        var mams = new Option<string?>("--mams") { Description = "MAMS-ATSA folder with train.xml, val.xml, test.xml." };
        var generated = new Option<string?>("--generated") { Description = "truth/<merchant>/reviews.jsonl written by demand generate." };
        var minF1 = new Option<double>("--min-f1") { Description = "Fail (exit 1) when the MAMS-ATSA test aspect-term F1 is below this." };
        var minAccuracy = new Option<double>("--min-accuracy") { Description = "Fail (exit 1) when the MAMS-ATSA test polarity accuracy is below this." };
        var command = new Command("evaluate-miner", "Evaluate the offline need miner on MAMS-ATSA and on generated reviews.") { mams, generated, minF1, minAccuracy };
        command.SetAction(parse =>
        {
            var exit = 0;
            if (parse.GetValue(mams) is { } folder)
            {
                if (!File.Exists(Path.Combine(folder, "test.xml")))
                {
                    Console.Error.WriteLine($"evaluate-miner: MAMS-ATSA not found at {Path.GetFullPath(folder)} (train.xml, val.xml, test.xml).");
                    return 2;
                }

                var (f1, accuracy, threshold) = Mams(folder);
                Console.WriteLine($"MAMS-ATSA test: aspect-term F1 {f1:F3}, polarity accuracy {accuracy:F3} (lexicon threshold {threshold:F2} chosen on val)");
                exit |= Floor("aspect-term F1", f1, parse.GetValue(minF1));
                exit |= Floor("polarity accuracy", accuracy, parse.GetValue(minAccuracy));
            }

            if (parse.GetValue(generated) is { } truth)
            {
                var (precision, recall, count) = Generated(truth);
                Console.WriteLine($"generated reviews ({count:N0}): need precision {precision:F3}, recall {recall:F3} (aspect + need + polarity must match)");
            }

            return exit;
        });
        return command;
    }

    private static int Floor(string figure, double value, double floor)
    {
        if (value >= floor)
        {
            return 0;
        }

        Console.Error.WriteLine($"evaluate-miner: MAMS-ATSA {figure} {value:F3} is below the floor {floor:F2}.");
        return 1;
    }

    public static List<(string Text, IReadOnlyList<AspectTerm> Terms)> LoadMams(string file) =>
        XDocument.Load(file).Descendants("sentence").Select(s => (
            s.Element("text")!.Value,
            (IReadOnlyList<AspectTerm>)s.Descendants("aspectTerm").Select(a => new AspectTerm(
                a.Attribute("term")!.Value,
                int.Parse(a.Attribute("from")!.Value, CultureInfo.InvariantCulture),
                int.Parse(a.Attribute("to")!.Value, CultureInfo.InvariantCulture),
                a.Attribute("polarity")!.Value)).ToList())).ToList();

    public static (double F1, double Accuracy, double Threshold) Mams(string folder)
    {
        var train = LoadMams(Path.Combine(folder, "train.xml"));
        var val = LoadMams(Path.Combine(folder, "val.xml"));
        var test = LoadMams(Path.Combine(folder, "test.xml"));
        var best = (F1: -1.0, Threshold: 0.0);
        foreach (var threshold in new[] { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6 })
        {
            var extractor = new AspectTermExtractor { MinPrecision = threshold };
            extractor.Train(train);
            var (f1, _) = Score(extractor, val);
            if (f1 > best.F1)
            {
                best = (f1, threshold);
            }
        }

        var final = new AspectTermExtractor { MinPrecision = best.Threshold };
        final.Train(train.Concat(val));
        var (testF1, accuracy) = Score(final, test);
        return (testF1, accuracy, best.Threshold);
    }

    private static (double F1, double Accuracy) Score(AspectTermExtractor extractor, List<(string Text, IReadOnlyList<AspectTerm> Terms)> data)
    {
        double tp = 0, predicted = 0, gold = 0, polarityRight = 0;
        foreach (var (text, terms) in data)
        {
            var found = extractor.Extract(text);
            predicted += found.Count;
            gold += terms.Count;
            foreach (var term in terms)
            {
                var match = found.FirstOrDefault(f => f.From == term.From && f.To == term.To);
                if (match is not null)
                {
                    tp++;
                    polarityRight += match.Polarity == term.Polarity ? 1 : 0;
                }
            }
        }

        var precision = predicted == 0 ? 0 : tp / predicted;
        var recall = gold == 0 ? 0 : tp / gold;
        return (precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall), tp == 0 ? 0 : polarityRight / tp);
    }

    public static (double Precision, double Recall, int Count) Generated(string truthFile)
    {
        var miner = new LexiconNeedMiner();
        double tp = 0, predicted = 0, gold = 0;
        var count = 0;
        foreach (var line in File.ReadLines(truthFile))
        {
            var review = JsonDocument.Parse(line).RootElement;
            var labels = review.GetProperty("labels").EnumerateArray().Select(l => (l.GetProperty("aspect").GetString(), l.GetProperty("need").GetString(), l.GetProperty("polarity").GetString())).ToHashSet();
            var mined = miner.Mine(review.GetProperty("text").GetString()!, review.GetProperty("rating").GetInt32()).Select(n => ((string?)n.Aspect, (string?)n.Need, (string?)n.Polarity)).ToHashSet();
            tp += mined.Count(labels.Contains);
            predicted += mined.Count;
            gold += labels.Count;
            count++;
        }

        return (predicted == 0 ? 0 : tp / predicted, gold == 0 ? 0 : tp / gold, count);
    }
}
