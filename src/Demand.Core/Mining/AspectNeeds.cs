using System.Text.RegularExpressions;

namespace Demand.Core.Mining;

/// <summary>
/// From a mined aspect term to the names the product speaks: a canonical aspect and, for a complaint, the unmet need
/// ("battery" → "longer battery life"; an aspect outside the vocabulary → "better &lt;term&gt;"). Praise is a satisfied
/// aspect ("battery: praised") and neutral a mention — neither is ever a need. Chinese terms are whole jieba words,
/// so 重 inside 重要 or 严重 can never name the weight aspect.
/// </summary>
public static partial class AspectNeeds
{
    public const string Negative = "negative";
    public const string Neutral = "neutral";
    public const string Positive = "positive";

    private sealed record Entry(string Aspect, string Need, string[] English, string[] Chinese);

    private static readonly Entry[] Vocabulary =
    [
        new("battery", "longer battery life", ["battery", "battery life", "charge", "charging", "charger"], ["电池", "续航", "电量", "待机", "充电"]),
        new("price", "lower price", ["price", "prices", "cost", "value", "pricing"], ["价格", "价钱", "性价比", "价位"]),
        new("packaging", "resealable packaging", ["packaging", "package", "box", "lid", "bag"], ["包装", "盒子", "包装盒", "瓶子", "外包装"]),
        new("durability", "more durable", ["durability", "build quality", "build", "quality", "hinge"], ["质量", "做工", "品质", "用料"]),
        new("noise", "quieter operation", ["noise", "fan", "fans"], ["噪音", "声音", "风扇"]),
        new("taste", "better taste", ["taste", "flavor", "flavour", "food"], ["味道", "口味", "口感", "菜品"]),
        new("scent", "milder scent", ["scent", "fragrance", "perfume"], ["香味", "香气"]),
        new("smell", "less smell", ["smell", "odor", "odour"], ["气味", "异味"]),
        new("size", "bigger size", ["size", "screen size"], ["尺寸", "大小", "尺码", "个头"]),
        new("weight", "lighter weight", ["weight"], ["重量", "分量"]),
        new("delivery", "faster delivery", ["delivery", "shipping"], ["物流", "快递", "发货", "送货", "配送"]),
        new("service", "better service", ["service", "staff", "waiter", "waitress", "support", "customer service", "tech support"], ["服务", "态度", "服务员", "客服", "售后"]),
        new("screen", "better screen", ["screen", "display"], ["屏幕", "屏", "显示屏"]),
        new("speed", "faster performance", ["speed", "performance", "processor"], ["速度", "性能", "运行速度", "反应"]),
    ];

    private static readonly Dictionary<string, Entry> ByTerm = Vocabulary
        .SelectMany(e => e.English.Concat(e.Chinese).Select(t => (Term: t, Entry: e)))
        .ToDictionary(x => x.Term, x => x.Entry, StringComparer.Ordinal);

    [GeneratedRegex(@"\b(small|tiny|too small|little)\b", RegexOptions.IgnoreCase)]
    private static partial Regex TooSmall();

    [GeneratedRegex(@"\b(broke|broken|breaks|died|dies|dead|stopped working|leak|leaks|leaked|crash|crashes|crashed|fell apart|worst|useless|unusable|refund|defective|never again)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Severe();

    [GeneratedRegex(@"\b(wish|would be nice|could be|could have been|should have|hope|if only)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Wish();

    [GeneratedRegex(@"\b(only (lasts?|lasted|lasting|works?|worked|gets?|got)|dies|died|broke|broken|stopped working|(does|did|do)(n't| not) work|won't (turn on|charge|work)|runs? out|ran out|drains?|overheats?|crash(es|ed)?|freez(es|ing)|fell apart|noisy|(?<!\bnot )(too|so) loud|crackl(e|es|ed|ing)|buzz(es|ed|ing)?|rattl(e|es|ed|ing))\b", RegexOptions.IgnoreCase)]
    private static partial Regex ComplaintCue();

    // A fault denied: a state ("not too loud", "never had a problem", "no issues", "isn't noisy at all") or an event
    // ("doesn't overheat", "never crashes"), and "can't complain". Only state negations take filler words, and only
    // these; "don't fix the issue" or "can't guarantee the problem" deny something else. Bare "loud" or "bright" is left
    // out: "not loud enough" is a complaint.
    [GeneratedRegex(@"\b(?:(?:not|never|no|hardly|without|nothing|(?:is|was|are|were|has|have|had)n['’]t|(?:do|does|did)n['’]t\s+have)\s+(?:(?:at\s+all|that|too|so|very|really|overly|any|a|an|one|single|major|real|had|has|have|been|being|ever)\s+){0,2}(?:too\s+(?:loud|noisy|slow|hot|heavy|big|small|expensive|long|short|dim|bright)|bad|terrible|awful|noisy|problems?|issues?|complaints?|trouble|laggy|slow|heavy|overpriced|flimsy|disappoint(?:ed|ing))|(?:doesn['’]t|does\s+not|didn['’]t|did\s+not|won['’]t|never|hasn['’]t|rarely)\s+(?:ever\s+)?(?:overheat|crash|freeze|die|break|drain|rattle|buzz|crackle|lag|get\s+(?:hot|loud|noisy))\w*|can['’]t\s+complain)\b", RegexOptions.IgnoreCase)]
    private static partial Regex NegatedFault();

    [GeneratedRegex(@"[,;:]|\b(but|though|although|while|whereas|however)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ClauseBreak();

    private static readonly string[] SevereChinese = ["坏", "坏了", "漏", "漏液", "破", "破损", "烂", "假货", "退货", "垃圾", "死机", "坑", "最差"];
    private static readonly string[] WishChinese = ["希望", "要是", "建议", "如果"];

    /// <summary>Canonical aspect and need of a term; <paramref name="context"/> (the sentence) decides direction where the aspect has two ("too small" → bigger size).</summary>
    public static (string Aspect, string Need) Of(string term, string context)
    {
        var key = term.Trim().ToLowerInvariant();
        if (!ByTerm.TryGetValue(key, out var entry))
        {
            // The head word of a multi-word term ("battery life" is found; "the laptop's battery" ends in it).
            var last = key.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? key;
            ByTerm.TryGetValue(last, out entry);
        }

        if (entry is null)
        {
            return (key, "better " + key);
        }

        if (entry.Aspect == "size")
        {
            return (entry.Aspect, TooSmall().IsMatch(context) || context.Contains('小', StringComparison.Ordinal) ? "bigger size" : "smaller size");
        }

        return (entry.Aspect, entry.Need);
    }

    /// <summary>What a mined aspect contributes: the need for a complaint, "&lt;aspect&gt;: praised" for praise, "&lt;aspect&gt;: mentioned" otherwise.</summary>
    public static string Label(string aspect, string need, string polarity) => polarity switch
    {
        Negative => need,
        Positive => aspect + ": praised",
        _ => aspect + ": mentioned",
    };

    /// <summary>
    /// The clause of <paramref name="sentence"/> around [<paramref name="from"/>, <paramref name="to"/>): up to the nearest
    /// comma, semicolon, colon or contrast word ("but", "though") on either side.
    /// </summary>
    public static string ClauseAround(string sentence, int from, int to)
    {
        var start = 0;
        var end = sentence.Length;
        foreach (System.Text.RegularExpressions.Match m in ClauseBreak().Matches(sentence))
        {
            if (m.Index + m.Length <= from)
            {
                start = m.Index + m.Length;
            }
            else if (m.Index >= to && m.Index < end)
            {
                end = m.Index;
            }
        }

        return sentence[start..end];
    }

    /// <summary>
    /// An English complaint the encoder-based polarity tends to read as neutral or praise: a limit stated plainly
    /// ("only lasts 3 hours", "runs out by noon"), a failure ("stopped working", "dies") or a sound fault ("so loud",
    /// "noisy", "crackle": the head miner-en-2 reads "the fan is so loud" as praise, as it does loud speakers).
    /// Overrides the learned polarity within the term's own clause only; a negated cue ("never crashes") is not one.
    /// </summary>
    public static bool IsComplaint(string clause) => ComplaintCue().IsMatch(Undenied(clause));

    /// <summary>The clause with its denied faults blanked out: the clause itself when it denies none.</summary>
    private static string Undenied(string clause) => NegatedFault().Replace(clause, " ");

    /// <summary>
    /// The polarity of an English term from the head's scores and the term's own clause. A complaint cue outside any
    /// denial wins ("it broke", "only lasts 3 hours"); otherwise a denied fault is not a complaint ("not too loud", "never
    /// had a problem", "doesn't overheat": the head reads the fault word and calls it one) — praise or a mention as the
    /// head's other two scores say; otherwise the head decides.
    /// </summary>
    public static string PolarityOf(float negative, float neutral, float positive, string clause)
    {
        var undenied = Undenied(clause);
        if (ComplaintCue().IsMatch(undenied))
        {
            return Negative;
        }

        var denies = !string.Equals(undenied, clause, StringComparison.Ordinal);
        if (!denies && negative >= Math.Max(neutral, positive))
        {
            return Negative;
        }

        return positive >= neutral ? Positive : Neutral;
    }

    /// <summary>1 a wish, 2 a problem, 3 broken or unusable; praise and mentions are 1.</summary>
    public static int Severity(string polarity, string context, IReadOnlyCollection<string>? chineseWords = null)
    {
        if (polarity != Negative)
        {
            return 1;
        }

        if (chineseWords is not null)
        {
            return chineseWords.Any(w => SevereChinese.Contains(w, StringComparer.Ordinal)) ? 3 : chineseWords.Any(w => WishChinese.Contains(w, StringComparer.Ordinal)) ? 1 : 2;
        }

        return Severe().IsMatch(context) ? 3 : Wish().IsMatch(context) ? 1 : 2;
    }
}
