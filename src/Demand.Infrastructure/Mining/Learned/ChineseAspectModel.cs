using System.Text.Json;

namespace Demand.Infrastructure.Mining.Learned;

/// <summary>An aspect of a Chinese review: term span [From, To), polarity, its clause [ClauseFrom, ClauseTo) and opinion words.</summary>
public sealed record ChineseAspect(int From, int To, string Polarity, int ClauseFrom, int ClauseTo, string? Opinion, bool Explicit);

/// <summary>
/// The Chinese aspect model (models/miner-zh.json, trained by training/train_miner_zh.py): a word tagger (O/B/I)
/// and a clause polarity model (negative / neutral / positive / none), both linear over
/// <see cref="ChineseFeatures"/> of jieba words. A clause with an opinion but no tagged term (好用，就是太贵了)
/// still yields an aspect: its first noun, else its opinion words, marked not explicit.
/// </summary>
public sealed class ChineseAspectModel
{
    private readonly Linear _tagger;
    private readonly Linear _polarity;

    private ChineseAspectModel(Linear tagger, Linear polarity, float negativeThreshold, string version)
    {
        _tagger = tagger;
        _polarity = polarity;
        NegativeThreshold = negativeThreshold;
        Version = version;
    }

    public string Version { get; }

    public float NegativeThreshold { get; }

    public static ChineseAspectModel Load(string file)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(file));
        var root = json.RootElement;
        return new ChineseAspectModel(
            Linear.Read(root.GetProperty("tagger")), Linear.Read(root.GetProperty("polarity")),
            root.GetProperty("negativeThreshold").GetSingle(), root.GetProperty("version").GetString() ?? "unversioned");
    }

    public List<ChineseAspect> Analyse(IReadOnlyList<ChineseWord> words)
    {
        var aspects = new List<ChineseAspect>();
        var inside = new bool[words.Count];
        for (var i = 0; i < words.Count; i++)
        {
            inside[i] = _tagger.Probabilities(ChineseFeatures.Token(words, i))[0] < 0.5f;
        }

        var start = 0;
        for (var i = 0; i <= words.Count; i++)
        {
            if (i < words.Count && !ChineseFeatures.EndsClause(words[i]))
            {
                continue;
            }

            if (i > start)
            {
                Clause(words, inside, start, i, aspects);
            }

            start = i + 1;
        }

        return aspects;
    }

    private void Clause(IReadOnlyList<ChineseWord> words, bool[] inside, int from, int to, List<ChineseAspect> aspects)
    {
        var first = Enumerable.Range(from, to - from).FirstOrDefault(k => inside[k], -1);
        var p = _polarity.Probabilities(ChineseFeatures.Clause(words, from, to, first));
        var (negative, neutral, positive, none) = (p[0], p[1], p[2], p[3]);
        string? polarity = negative >= NegativeThreshold && negative >= Math.Max(neutral, positive) ? "negative"
            : positive >= Math.Max(negative, neutral) && positive >= none ? "positive"
            : first >= 0 ? "neutral" : null;
        if (polarity is null)
        {
            return;
        }

        var opinion = string.Concat(Enumerable.Range(from, to - from).Where(k => !inside[k] && ChineseFeatures.Pos(words[k].Pos) is "a" or "d" or "v" && (words[k].Pos.StartsWith('a') || k + 1 < to && words[k + 1].Pos.StartsWith('a') || Negation(words[k].Word))).Select(k => words[k].Word));
        var (clauseFrom, clauseTo) = (words[from].From, words[to - 1].To);
        if (first >= 0)
        {
            for (var k = from; k < to; k++)
            {
                if (!inside[k])
                {
                    continue;
                }

                var end = k;
                while (end + 1 < to && inside[end + 1])
                {
                    end++;
                }

                aspects.Add(new ChineseAspect(words[k].From, words[end].To, polarity, clauseFrom, clauseTo, opinion.Length == 0 ? null : opinion, Explicit: true));
                k = end;
            }

            return;
        }

        if (polarity == "neutral")
        {
            return;
        }

        // An opinion about an unnamed aspect: its first noun names it, else the opinion itself does.
        var noun = Enumerable.Range(from, to - from).FirstOrDefault(k => ChineseFeatures.Pos(words[k].Pos) == "n", -1);
        var (termFrom, termTo) = noun >= 0 ? (words[noun].From, words[noun].To) : (clauseFrom, clauseTo);
        aspects.Add(new ChineseAspect(termFrom, termTo, polarity, clauseFrom, clauseTo, opinion.Length == 0 ? null : opinion, Explicit: noun >= 0));
    }

    private static bool Negation(string word) => word is "不" or "没" or "没有" or "太" or "很" or "非常" or "不太";

    /// <summary>Multinomial logistic regression over binary features: softmax(W·x + b).</summary>
    private sealed class Linear(Dictionary<string, float[]> weights, float[] intercept)
    {
        public static Linear Read(JsonElement element)
        {
            var weights = new Dictionary<string, float[]>(StringComparer.Ordinal);
            foreach (var property in element.GetProperty("weights").EnumerateObject())
            {
                weights[property.Name] = property.Value.EnumerateArray().Select(v => v.GetSingle()).ToArray();
            }

            return new Linear(weights, element.GetProperty("intercept").EnumerateArray().Select(v => v.GetSingle()).ToArray());
        }

        public float[] Probabilities(List<string> features)
        {
            var scores = (float[])intercept.Clone();
            foreach (var feature in features.Distinct(StringComparer.Ordinal))
            {
                if (weights.TryGetValue(feature, out var w))
                {
                    for (var c = 0; c < scores.Length; c++)
                    {
                        scores[c] += w[c];
                    }
                }
            }

            var max = scores.Max();
            var sum = 0f;
            for (var c = 0; c < scores.Length; c++)
            {
                scores[c] = MathF.Exp(scores[c] - max);
                sum += scores[c];
            }

            for (var c = 0; c < scores.Length; c++)
            {
                scores[c] /= sum;
            }

            return scores;
        }
    }
}
