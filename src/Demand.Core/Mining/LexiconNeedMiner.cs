using System.Text.RegularExpressions;

namespace Demand.Core.Mining;

/// <summary>
/// The offline need miner for English and Chinese: clauses → aspect (lexicon) → polarity (complaint and wish
/// patterns, sentiment words, negation, intensifiers) → a canonical need phrase. Chinese uses substring
/// (character n-gram) matching against the lexicon rather than word segmentation: review phrases are short,
/// the lexicon terms are one to three characters, and no segmenter is available offline — substring matching
/// finds 电池 in 电池不够用 without one.
/// </summary>
public sealed partial class LexiconNeedMiner : IOfflineNeedMiner
{
    public string Version => "lexicon-1";

    private sealed record Aspect(string Name, string Need, string[] English, string[] Chinese);

    private static readonly Aspect[] Aspects =
    [
        new("battery", "longer battery life", ["battery", "charge", "charging"], ["电池", "续航", "电量"]),
        new("size", "bigger size", ["size", "small", "tiny", "big", "large", "compact", "huge"], ["尺寸", "大小", "太小", "太大", "小一点", "大一点"]),
        new("packaging", "resealable packaging", ["packaging", "package", "bag", "zip", "lid", "box"], ["包装", "密封", "盖子", "袋"]),
        new("price", "lower price", ["price", "expensive", "cheap", "cost", "value", "overpriced"], ["价格", "贵", "便宜", "实惠", "性价比"]),
        new("durability", "more durable", ["broke", "broken", "sturdy", "durable", "flimsy", "fell apart", "made"], ["坏", "结实", "耐用", "质量"]),
        new("noise", "quieter operation", ["loud", "noise", "noisy", "quiet"], ["吵", "声音", "安静", "噪音"]),
        new("taste", "better taste", ["taste", "tastes", "bitter", "flavor", "flavour", "sweet", "bland"], ["好吃", "苦", "口味", "味道很好", "味道太苦"]),
        new("scent", "milder scent", ["scent", "perfume", "fragrance"], ["香味", "味道太浓"]),
        new("smell", "less smell", ["smell", "odor", "odour", "stinks"], ["气味", "臭"]),
        new("fit", "better fit", ["fit", "fits", "slipping", "tight", "loose"], ["合适", "滑", "不合身"]),
        new("leaks", "leak protection", ["leak", "leaks", "leaking"], ["漏"]),
        new("softness", "softer material", ["soft", "rough", "scratchy"], ["柔软", "软", "粗糙"]),
        new("weight", "lighter weight", ["heavy", "weight", "lightweight"], ["重", "轻"]),
        new("grip", "better grip", ["grip", "slippery"], ["抓不住", "防滑"]),
        new("freshness", "fresher product", ["fresh", "stale", "freshness"], ["新鲜", "变味"]),
        new("cleaning", "easier cleaning", ["clean", "cleaning", "wash"], ["清洗", "清理"]),
        new("delivery", "faster delivery", ["delivery", "shipping", "arrived", "late"], ["发货", "快递", "物流"]),
    ];

    private static readonly string[] NegativeEnglish = ["too ", "wish", "not enough", "dies", "died", "broke", "broken", "leak", "stale", "hard to", "poor", "bad", "terrible", "worst", "keeps ", "doesn't", "does not", "runs out", "ran out", "expensive", "overpriced", "flimsy", "rough", "slippery", "late", "disappoint"];
    private static readonly string[] PositiveEnglish = ["great", "good", "love", "perfect", "just right", "lasts", "sturdy", "well made", "excellent", "value", "quiet", "fresh", "soft", "comfortable", "nice"];
    private static readonly string[] NegativeChinese = ["太", "希望", "要是", "不够", "坏", "漏", "差", "不好", "难", "吵", "贵", "重", "滑", "变味", "不新鲜", "不合适", "粗糙"];
    private static readonly string[] PositiveChinese = ["很好", "不错", "耐用", "实惠", "合适", "正合适", "结实", "安静", "新鲜", "柔软", "喜欢", "很快"];
    private static readonly string[] StrongEnglish = ["broke", "dies", "died", "leaks", "every time", "fell apart", "terrible", "worst"];
    private static readonly string[] StrongChinese = ["坏", "漏", "总是"];

    [GeneratedRegex(@"[^.!?;,。！？；，]+[.!?;,。！？；，]?")]
    private static partial Regex Clause();

    [GeneratedRegex(@"\b(not|never|no|isn't|wasn't|aren't|hardly)\b( \w+)?( \w+)? (too|enough|at all)?")]
    private static partial Regex EnglishNegation();

    public Task<MiningOutcome> MineAsync(IReadOnlyList<ReviewInput> reviews, CancellationToken cancellationToken) =>
        Task.FromResult(new MiningOutcome(reviews.Select(r => new MinedReview(Mine(r.Text, r.Rating))).ToList(), MiningUsage.None));

    /// <summary>Needs in one review (synchronous: pure CPU).</summary>
    public IReadOnlyList<MinedNeed> Mine(string text, int? rating)
    {
        var needs = new List<MinedNeed>();
        foreach (Match clause in Clause().Matches(text))
        {
            var evidence = clause.Value.Trim();
            if (evidence.Length < 2)
            {
                continue;
            }

            var chinese = evidence.Any(c => c is >= '\u4e00' and <= '\u9fff');
            var lower = evidence.ToLowerInvariant();
            var (aspect, at, term) = FindAspect(lower, chinese);
            if (aspect is null)
            {
                continue;
            }

            var polarity = Polarity(lower, chinese, rating);
            if (polarity is null)
            {
                continue;
            }

            var need = aspect.Need;
            if (aspect.Name == "size" && (lower.Contains("big", StringComparison.Ordinal) || lower.Contains("large", StringComparison.Ordinal) || lower.Contains("compact", StringComparison.Ordinal) || evidence.Contains('大', StringComparison.Ordinal) || evidence.Contains("小一点", StringComparison.Ordinal)))
            {
                need = "smaller size";
            }

            var strong = (chinese ? StrongChinese : StrongEnglish).Any(s => lower.Contains(s, StringComparison.Ordinal));
            var severity = polarity != "negative" ? 1 : strong ? 3 : lower.Contains("wish", StringComparison.Ordinal) || evidence.Contains("希望", StringComparison.Ordinal) || evidence.Contains("要是", StringComparison.Ordinal) || aspect.Name is "price" or "packaging" or "scent" or "softness" or "cleaning" ? 1 : 2;
            if (!needs.Any(n => n.Need == need && n.Polarity == polarity))
            {
                // Praise is a satisfied aspect, never a need ("Great value" is not "lower price").
                var from = clause.Index + clause.Value.IndexOf(evidence, StringComparison.Ordinal) + at;
                needs.Add(new MinedNeed(aspect.Name, AspectNeeds.Label(aspect.Name, need, polarity), polarity, severity, evidence, evidence.Substring(at, term.Length), from, from + term.Length));
            }
        }

        return needs;
    }

    private static (Aspect? Aspect, int At, string Term) FindAspect(string lower, bool chinese)
    {
        Aspect? best = null;
        var bestAt = int.MaxValue;
        var bestTerm = "";
        foreach (var aspect in Aspects)
        {
            foreach (var term in chinese ? aspect.Chinese : aspect.English)
            {
                var at = chinese ? lower.IndexOf(term, StringComparison.Ordinal) : WordIndex(lower, term);
                if (at >= 0 && at < bestAt)
                {
                    (best, bestAt, bestTerm) = (aspect, at, term);
                }
            }
        }

        return (best, bestAt, bestTerm);
    }

    private static string? Polarity(string lower, bool chinese, int? rating)
    {
        var negative = (chinese ? NegativeChinese : NegativeEnglish).Count(w => lower.Contains(w, StringComparison.Ordinal));
        var positive = (chinese ? PositiveChinese : PositiveEnglish).Count(w => lower.Contains(w, StringComparison.Ordinal));
        if (chinese)
        {
            // 不大/不吵/不贵: a negated complaint word is praise.
            if (Regex.IsMatch(lower, "不(大|吵|贵|重)"))
            {
                (negative, positive) = (Math.Max(0, negative - 1), positive + 1);
            }
        }
        else if (EnglishNegation().IsMatch(lower) && !lower.Contains("not enough", StringComparison.Ordinal) && !lower.Contains("does not", StringComparison.Ordinal) && !lower.Contains("doesn't", StringComparison.Ordinal))
        {
            // "not too loud", "not bad": negation flips the clause.
            (negative, positive) = (positive, negative + 1);
        }

        if (negative > positive)
        {
            return "negative";
        }

        if (positive > negative)
        {
            return "positive";
        }

        return rating switch
        {
            <= 2 => "negative",
            >= 4 => "positive",
            _ => null,
        };
    }

    private static int WordIndex(string text, string term)
    {
        var at = 0;
        while ((at = text.IndexOf(term, at, StringComparison.Ordinal)) >= 0)
        {
            var startOk = at == 0 || !char.IsLetter(text[at - 1]);
            var end = at + term.Length;
            var endOk = end >= text.Length || !char.IsLetter(text[end]) || text[end] == 's';
            if (startOk && endOk)
            {
                return at;
            }

            at++;
        }

        return -1;
    }
}
