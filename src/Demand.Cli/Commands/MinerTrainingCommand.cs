using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Demand.Core.Mining;
using Demand.Infrastructure.Mining.Learned;

namespace Demand.Cli.Commands;

/// <summary>
/// <c>demand export-miner-training</c>: the learned miner's training data, produced by the code that serves —
/// English sentences through the same WordPiece tokeniser and frozen MiniLM encoder (hidden states written once,
/// so training the head takes minutes), Chinese reviews through the same jieba segmentation. training/train_miner.py
/// reads it.
/// </summary>
internal static class MinerTrainingCommand
{
    private static readonly string[] Polarities = ["negative", "neutral", "positive"];

    public static Command Create()
    {
        var datasets = new Option<string>("--datasets") { Description = "The datasets folder (mams/, semeval14/, chinese-absa/).", DefaultValueFactory = _ => "../shared/datasets" };
        var output = new Option<string>("--out") { Required = true };
        var english = new Option<bool>("--english") { Description = "Export English encoder features (MAMS, SemEval-14 train files)." };
        var chinese = new Option<bool>("--chinese") { Description = "Export Chinese word features (chinese-absa)." };
        var command = new Command("export-miner-training", "Write the learned miner's training data (encoder features for English, word features for Chinese).") { datasets, output, english, chinese };
        command.SetAction(parse =>
        {
            var root = parse.GetValue(datasets)!;
            var folder = parse.GetValue(output)!;
            Directory.CreateDirectory(folder);
            if (parse.GetValue(english))
            {
                using var encoder = new MiniLmEncoder(MiniLmEncoder.DefaultFolder);
                foreach (var (name, sentences) in EnglishSplits(root))
                {
                    var started = Stopwatch.GetTimestamp();
                    var pieces = WriteEnglish(encoder, sentences, Path.Combine(folder, name));
                    Console.WriteLine($"{name}: {sentences.Count:N0} sentences, {pieces:N0} pieces in {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s");
                }
            }

            if (parse.GetValue(chinese))
            {
                var segmenter = new ChineseSegmenter();
                foreach (var split in new[] { "train", "val", "test" })
                {
                    var reviews = ChineseAbsa.Load(root, split);
                    WriteChinese(segmenter, reviews, Path.Combine(folder, "zh-" + split + ".jsonl"));
                    Console.WriteLine($"zh-{split}: {reviews.Count:N0} reviews (" + string.Join(", ", reviews.GroupBy(r => r.Domain).Select(g => $"{g.Key} {g.Count():N0}")) + ")");
                }
            }

            return 0;
        });
        return command;
    }

    private static void WriteChinese(ChineseSegmenter segmenter, List<ChineseReview> reviews, string file)
    {
        using var writer = new StreamWriter(file);
        foreach (var review in reviews)
        {
            var words = segmenter.Segment(review.Text);
            var tags = new int[words.Count];
            foreach (var (from, to, _) in review.Aspects)
            {
                var first = true;
                for (var i = 0; i < words.Count; i++)
                {
                    if (words[i].From < to && words[i].To > from)
                    {
                        tags[i] = first ? 1 : 2;
                        first = false;
                    }
                }
            }

            var clauses = new List<object>();
            var start = 0;
            for (var i = 0; i <= words.Count; i++)
            {
                if (i < words.Count && !ChineseFeatures.EndsClause(words[i]))
                {
                    continue;
                }

                if (i > start)
                {
                    var (clauseFrom, clauseTo) = (words[start].From, words[i - 1].To);
                    var labels = review.Aspects.Concat(review.Opinions).Where(a => a.From < clauseTo && a.To > clauseFrom).Select(a => a.Polarity).ToList();
                    var aspect = Enumerable.Range(start, i - start).FirstOrDefault(k => tags[k] == 1, -1);
                    var label = labels.Count == 0 ? "none" : labels.GroupBy(l => l).OrderByDescending(g => g.Count()).First().Key;
                    clauses.Add(new { from = start, to = i, label, features = ChineseFeatures.Clause(words, start, i, aspect) });
                }

                start = i + 1;
            }

            writer.WriteLine(JsonSerializer.Serialize(new
            {
                domain = review.Domain, dense = review.Dense, text = review.Text, polarities = review.Aspects.Concat(review.Opinions).Select(a => a.Polarity).Distinct(),
                tags, tokens = words.Select((_, i) => ChineseFeatures.Token(words, i)), clauses,
            }));
        }
    }

    /// <summary>Train and validation splits only: SemEval-14 train files lose a fixed 10 % (by sentence id) to validation.</summary>
    private static IEnumerable<(string Name, List<(string Text, IReadOnlyList<AspectTerm> Terms)> Sentences)> EnglishSplits(string root)
    {
        var mams = Path.Combine(root, "mams", "MAMS-ATSA");
        yield return ("mams-train", EvaluateMinerCommand.LoadSentences(Path.Combine(mams, "train.xml")));
        yield return ("mams-val", EvaluateMinerCommand.LoadSentences(Path.Combine(mams, "val.xml")));
        foreach (var (name, file) in new[] { ("laptops", "Laptop_Train_v2.xml"), ("restaurants", "Restaurants_Train_v2.xml") })
        {
            var all = EvaluateMinerCommand.LoadSentences(Path.Combine(root, "semeval14", file));
            yield return (name + "-train", all.Where((_, i) => i % 10 != 0).ToList());
            yield return (name + "-val", all.Where((_, i) => i % 10 == 0).ToList());
        }
    }

    private static long WriteEnglish(MiniLmEncoder encoder, List<(string Text, IReadOnlyList<AspectTerm> Terms)> sentences, string prefix)
    {
        using var features = new BinaryWriter(File.Create(prefix + ".f32"));
        using var labels = new StreamWriter(prefix + ".jsonl");
        long total = 0;
        foreach (var chunk in sentences.Chunk(32))
        {
            var encoded = encoder.Encode(chunk.Select(s => (IReadOnlyList<WordPiece>)encoder.Tokenizer.Tokenize(s.Text)).ToList());
            for (var k = 0; k < chunk.Length; k++)
            {
                var (text, terms) = chunk[k];
                var pieces = encoded[k].Pieces;
                var tags = new int[pieces.Count];
                var polarity = Enumerable.Repeat(-1, pieces.Count).ToArray();
                foreach (var term in terms)
                {
                    var first = true;
                    for (var i = 0; i < pieces.Count; i++)
                    {
                        if (pieces[i].From >= term.From && pieces[i].To <= term.To)
                        {
                            tags[i] = first ? 1 : 2;
                            polarity[i] = Array.IndexOf(Polarities, term.Polarity);
                            first = false;
                        }
                    }
                }

                foreach (var value in encoded[k].Hidden)
                {
                    features.Write(value);
                }

                labels.WriteLine(JsonSerializer.Serialize(new { text, n = pieces.Count, tags, polarity, from = pieces.Select(p => p.From), to = pieces.Select(p => p.To), terms = terms.Select(t => new[] { t.From, t.To }) }));
                total += pieces.Count;
            }
        }

        return total;
    }
}
