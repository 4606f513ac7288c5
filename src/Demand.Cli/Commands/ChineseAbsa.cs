using System.Globalization;
using System.Text;

namespace Demand.Cli.Commands;

/// <summary>A labelled span of a Chinese review: [From, To) and negative | neutral | positive.</summary>
internal sealed record ChineseSpan(int From, int To, string Polarity);

/// <summary>
/// A Chinese review of ../shared/datasets/chinese-absa with its aspect and opinion spans. <paramref name="Dense"/>:
/// every opinion of the text is labelled (Zhijiang, Lasted); Peng et al. label one aspect per instance, so the other
/// clauses of its sentences say nothing about "no opinion".
/// </summary>
internal sealed record ChineseReview(string Domain, string Text, IReadOnlyList<ChineseSpan> Aspects, IReadOnlyList<ChineseSpan> Opinions, bool Dense);

/// <summary>
/// Readers for the Chinese aspect-labelled sets, split into train / val / test: Zhijiang cosmetics (its test file is
/// unlabelled, so ids % 5: 0 test, 1 val, rest train), Peng et al. phone/camera/notebook/car (train files: every
/// 10th sentence to val; test files test), Lasted restaurants (train (first 6,000, so no domain swamps the others) /
/// dev / test).
/// </summary>
internal static class ChineseAbsa
{
    public static readonly string[] Domains = ["cosmetics", "phone", "camera", "notebook", "car", "restaurant"];

    public static List<ChineseReview> Load(string datasets, string split)
    {
        var root = Path.Combine(datasets, "chinese-absa");
        var reviews = new List<ChineseReview>();
        reviews.AddRange(Zhijiang(Path.Combine(root, "zhijiang-cosmetics"), split));
        foreach (var domain in new[] { "phone", "camera", "notebook", "car" })
        {
            var file = Path.Combine(root, "peng-products", "atepc", $"{domain}.{(split == "test" ? "test" : "train")}.txt.atepc");
            var sentences = Peng(domain, file);
            reviews.AddRange(split == "test" ? sentences : sentences.Where((_, i) => (i % 10 == 0) == (split == "val")));
        }

        var lasted = Lasted(Path.Combine(root, "lasted-restaurant", split switch { "train" => "train.txt", "val" => "dev.txt", _ => "test.txt" }));
        reviews.AddRange(split == "train" ? lasted.Take(6000) : lasted);
        return reviews;
    }

    private static IEnumerable<ChineseReview> Zhijiang(string folder, string split)
    {
        var texts = Csv(Path.Combine(folder, "Train_reviews.csv")).Skip(1).ToDictionary(r => int.Parse(r[0], CultureInfo.InvariantCulture), r => r[1]);
        var labels = Csv(Path.Combine(folder, "Train_labels.csv")).Skip(1).ToLookup(r => int.Parse(r[0], CultureInfo.InvariantCulture));
        foreach (var (id, text) in texts.OrderBy(t => t.Key))
        {
            var part = (id % 5) switch { 0 => "test", 1 => "val", _ => "train" };
            if (part != split)
            {
                continue;
            }

            var aspects = new List<ChineseSpan>();
            var opinions = new List<ChineseSpan>();
            foreach (var row in labels[id])
            {
                var polarity = row[8] switch { "负面" => "negative", "正面" => "positive", _ => "neutral" };
                if (row[1] != "_" && int.TryParse(row[2], CultureInfo.InvariantCulture, out var af) && int.TryParse(row[3], CultureInfo.InvariantCulture, out var at))
                {
                    aspects.Add(new ChineseSpan(af, at, polarity));
                }

                if (row[4] != "_" && int.TryParse(row[5], CultureInfo.InvariantCulture, out var of) && int.TryParse(row[6], CultureInfo.InvariantCulture, out var ot))
                {
                    opinions.Add(new ChineseSpan(of, ot, polarity));
                }
            }

            yield return new ChineseReview("cosmetics", text, aspects, opinions, Dense: true);
        }
    }

    private static List<ChineseReview> Peng(string domain, string file)
    {
        // One instance per (sentence, aspect); instances of the same sentence are merged.
        var merged = new Dictionary<string, List<ChineseSpan>>(StringComparer.Ordinal);
        var order = new List<string>();
        var text = new StringBuilder();
        var spans = new List<ChineseSpan>();
        int? start = null;
        var polarity = "";
        void Close()
        {
            if (start is { } s)
            {
                spans.Add(new ChineseSpan(s, text.Length, polarity));
                start = null;
            }
        }

        void Flush()
        {
            Close();
            if (text.Length > 0)
            {
                var key = text.ToString();
                if (!merged.TryGetValue(key, out var list))
                {
                    merged[key] = list = [];
                    order.Add(key);
                }

                list.AddRange(spans.Where(a => !list.Contains(a)));
            }

            text.Clear();
            spans = [];
        }

        foreach (var line in File.ReadLines(file))
        {
            var parts = line.Split(' ');
            if (line.Length == 0 || parts.Length < 3)
            {
                Flush();
                continue;
            }

            if (parts[1] == "B-ASP" || (parts[1] == "I-ASP" && start is null))
            {
                Close();
                start = text.Length;
                polarity = parts[2] == "Negative" ? "negative" : "positive";
            }
            else if (parts[1] == "O")
            {
                Close();
            }

            text.Append(parts[0]);
        }

        Flush();
        return order.Select(t => new ChineseReview(domain, t, merged[t], [], Dense: false)).ToList();
    }

    private static List<ChineseReview> Lasted(string file)
    {
        var reviews = new List<ChineseReview>();
        foreach (var line in File.ReadLines(file))
        {
            var at = line.IndexOf("####", StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            var tokens = line[..at].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var offsets = new int[tokens.Length + 1];
            for (var i = 0; i < tokens.Length; i++)
            {
                offsets[i + 1] = offsets[i] + tokens[i].Length;
            }

            var aspects = new List<ChineseSpan>();
            var opinions = new List<ChineseSpan>();
            // [((a0, a1), (o0, o1), 'POS'), ...] with inclusive token indices.
            var numbers = new List<int>();
            var polarities = new List<string>();
            var body = line[(at + 4)..];
            for (var i = 0; i < body.Length; i++)
            {
                if (char.IsAsciiDigit(body[i]))
                {
                    var j = i;
                    while (j < body.Length && char.IsAsciiDigit(body[j]))
                    {
                        j++;
                    }

                    numbers.Add(int.Parse(body[i..j], CultureInfo.InvariantCulture));
                    i = j - 1;
                }
                else if (body[i] == '\'')
                {
                    var j = body.IndexOf('\'', i + 1);
                    polarities.Add(body[(i + 1)..j] switch { "POS" => "positive", "NEG" => "negative", _ => "neutral" });
                    i = j;
                }
            }

            for (var k = 0; k < polarities.Count && 4 * k + 3 < numbers.Count; k++)
            {
                int T(int n) => offsets[Math.Clamp(n, 0, tokens.Length)];
                aspects.Add(new ChineseSpan(T(numbers[4 * k]), T(numbers[4 * k + 1] + 1), polarities[k]));
                opinions.Add(new ChineseSpan(T(numbers[4 * k + 2]), T(numbers[4 * k + 3] + 1), polarities[k]));
            }

            reviews.Add(new ChineseReview("restaurant", string.Concat(tokens), aspects, opinions, Dense: true));
        }

        return reviews;
    }

    private static IEnumerable<List<string>> Csv(string file)
    {
        var text = File.ReadAllText(file);
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n')
            {
                row.Add(field.ToString().TrimEnd('\r'));
                field.Clear();
                yield return row;
                row = [];
            }
            else
            {
                field.Append(c);
            }
        }

        if (field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString());
            yield return row;
        }
    }
}
