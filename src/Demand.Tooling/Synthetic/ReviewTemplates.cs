namespace Demand.Tooling.Synthetic;

/// <summary>A ground-truth label for a generated review: the need stated and the exact text that states it.</summary>
public sealed record NeedLabel(string Aspect, string Need, string Polarity, int Severity, string Evidence);

/// <summary>English and Chinese review sentences that state needs about product aspects, with their labels.</summary>
internal static class ReviewTemplates
{
    private sealed record Template(string Aspect, string Need, string Polarity, int Severity, string English, string Chinese);

    private static readonly Template[] Negative =
    [
        new("battery", "longer battery life", "negative", 3, "Battery dies by noon, wish it lasted longer.", "电池不够用，希望电池更耐用。"),
        new("size", "bigger size", "negative", 2, "Too small for my toddler.", "尺寸太小了。"),
        new("size", "smaller size", "negative", 2, "Way too big, I wish it were more compact.", "太大了，希望小一点。"),
        new("packaging", "resealable packaging", "negative", 1, "Wish the bag had a resealable zip.", "要是有密封口就好了。"),
        new("price", "lower price", "negative", 1, "Too expensive for what it is.", "价格太贵了。"),
        new("durability", "more durable", "negative", 3, "It broke after two weeks.", "用了两周就坏了。"),
        new("noise", "quieter operation", "negative", 2, "Way too loud in the morning.", "声音太吵了。"),
        new("taste", "better taste", "negative", 2, "The taste is too bitter.", "味道太苦了。"),
        new("scent", "milder scent", "negative", 1, "The scent is too strong.", "味道太浓了。"),
        new("fit", "better fit", "negative", 2, "Does not fit well, keeps slipping.", "不太合适，总是滑。"),
        new("leaks", "leak protection", "negative", 3, "Leaks overnight every time.", "晚上总是漏。"),
        new("softness", "softer material", "negative", 1, "Not soft enough on the skin.", "不够柔软。"),
        new("weight", "lighter weight", "negative", 2, "Too heavy to carry around.", "太重了，不方便带。"),
        new("grip", "better grip", "negative", 2, "The grip is too slippery.", "太滑了，抓不住。"),
        new("freshness", "fresher product", "negative", 2, "Runs out of freshness fast, stale within a week.", "不新鲜，一周就变味了。"),
        new("smell", "less smell", "negative", 2, "The smell is too strong.", "气味太大了。"),
        new("cleaning", "easier cleaning", "negative", 1, "Hard to clean, wish it came apart easily.", "很难清洗，希望能拆开洗。"),
    ];

    private static readonly Template[] Positive =
    [
        new("battery", "longer battery life", "positive", 1, "Battery lasts all day.", "电池很耐用。"),
        new("size", "bigger size", "positive", 1, "The size is just right.", "大小正合适。"),
        new("taste", "better taste", "positive", 1, "Tastes great.", "味道很好。"),
        new("noise", "quieter operation", "positive", 1, "Not too loud at all.", "声音不大，很安静。"),
        new("price", "lower price", "positive", 1, "Great value for the price.", "价格很实惠。"),
        new("durability", "more durable", "positive", 1, "Very sturdy and well made.", "很结实。"),
    ];

    private static readonly (string English, string Chinese)[] Fillers =
    [
        ("Delivery was quick.", "发货很快。"),
        ("Bought this for my family.", "给家里买的。"),
        ("Second time ordering.", "第二次买了。"),
    ];

    /// <summary>A review about one of <paramref name="aspects"/>: text, rating and the needs it states.</summary>
    public static (string Text, int Rating, string Language, IReadOnlyList<NeedLabel> Labels) Create(Random random, IReadOnlyList<string> aspects, bool chinese)
    {
        var labels = new List<NeedLabel>();
        var parts = new List<string>();
        var negative = random.NextDouble() < 0.65;
        var pool = (negative ? Negative : Positive).Where(t => aspects.Contains(t.Aspect)).ToArray();
        if (pool.Length == 0)
        {
            pool = negative ? Negative : Positive;
        }

        if (random.NextDouble() < 0.4)
        {
            var filler = Fillers[random.Next(Fillers.Length)];
            parts.Add(chinese ? filler.Chinese : filler.English);
        }

        var picks = 1 + (random.NextDouble() < 0.25 ? 1 : 0);
        foreach (var template in pool.OrderBy(_ => random.Next()).Take(picks))
        {
            var sentence = chinese ? template.Chinese : template.English;
            parts.Add(sentence);
            labels.Add(new NeedLabel(template.Aspect, template.Need, template.Polarity, template.Severity, sentence));
        }

        var rating = negative ? random.Next(1, 3) + (labels.Count == 1 && random.NextDouble() < 0.3 ? 1 : 0) : random.Next(4, 6);
        return (string.Join(chinese ? "" : " ", parts), rating, chinese ? "zh" : "en", labels);
    }
}
