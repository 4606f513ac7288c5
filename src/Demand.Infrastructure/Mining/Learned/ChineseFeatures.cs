namespace Demand.Infrastructure.Mining.Learned;

/// <summary>
/// Features of the Chinese aspect model over jieba words — shared by training export and serving, so they cannot
/// drift apart. Word identity, part of speech and the first/last character of a word (质量, 重量 share 量) for the
/// tagger; clause words with negation marking for polarity (不 + 好 → NOT_好).
/// </summary>
public static class ChineseFeatures
{
    private static readonly HashSet<string> Negations = new(StringComparer.Ordinal) { "不", "没", "没有", "别", "无", "非", "未", "不是", "不太", "不够", "不会", "不能" };

    /// <summary>Clause boundaries: punctuation and whitespace between words.</summary>
    public static bool EndsClause(ChineseWord word) =>
        word.Word.All(c => c is '，' or '。' or '！' or '？' or '；' or ',' or '.' or '!' or '?' or ';' or '~' or '～' or '…' or '\n' or '、' or ' ');

    public static List<string> Token(IReadOnlyList<ChineseWord> words, int i)
    {
        string W(int k) => k < 0 ? "<s>" : k >= words.Count ? "</s>" : words[k].Word;
        string P(int k) => k < 0 ? "<s>" : k >= words.Count ? "</s>" : Pos(words[k].Pos);
        var w = words[i].Word;
        return
        [
            "b", "w=" + w, "p=" + P(i), "f=" + w[0], "l=" + w[^1], "n=" + Math.Min(w.Length, 4),
            "w-1=" + W(i - 1), "w+1=" + W(i + 1), "p-1=" + P(i - 1), "p+1=" + P(i + 1), "p-2=" + P(i - 2), "p+2=" + P(i + 2),
            "pp=" + P(i - 1) + "|" + P(i) + "|" + P(i + 1), "w+1p+2=" + W(i + 1) + "|" + P(i + 2),
        ];
    }

    /// <summary>Polarity features of a clause (words [from, to)) about the aspect word at <paramref name="aspect"/> (-1: none).</summary>
    public static List<string> Clause(IReadOnlyList<ChineseWord> words, int from, int to, int aspect)
    {
        var features = new List<string> { "b" };
        var negated = false;
        string? previous = null;
        for (var k = from; k < to; k++)
        {
            var w = words[k].Word;
            if (k == aspect)
            {
                features.Add("ASPECT");
                previous = "ASPECT";
                continue;
            }

            if (Negations.Contains(w))
            {
                negated = true;
                features.Add("neg");
                previous = w;
                continue;
            }

            var word = negated ? "NOT_" + w : w;
            features.Add("u=" + word);
            if (previous is not null)
            {
                features.Add("bi=" + previous + "|" + word);
            }

            previous = word;
            if (Pos(words[k].Pos) is "a" or "v" or "d")
            {
                negated = negated && words[k].Pos.StartsWith('d');
            }
        }

        return features;
    }

    /// <summary>The coarse part of speech (first letter): fine ICTCLAS flags are too sparse for the data we have.</summary>
    public static string Pos(string flag) => flag.Length == 0 ? "x" : flag[..1];
}
