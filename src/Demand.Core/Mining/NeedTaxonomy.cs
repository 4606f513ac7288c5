using System.Text;
using System.Text.Json.Serialization;

namespace Demand.Core.Mining;

/// <summary>
/// Merges synonymous need phrases into one canonical phrase per merchant: normalisation (case, spacing,
/// punctuation, leading articles), then a synonym table — built-in defaults overlaid by the merchant's own edits.
/// The canonical phrases are the offline miner's English vocabulary, so LLM phrasing ("bigger", "更大尺寸") and
/// lexicon output of EN and ZH reviews aggregate into the same need. Applied when needs are aggregated (profiles,
/// product and category summaries), not when they are cached, so a merchant's edit never forces re-mining.
/// </summary>
public sealed class NeedTaxonomy
{
    private static readonly string[] LeadingFillers = ["a ", "an ", "the ", "some ", "need ", "needs ", "want "];

    private readonly Dictionary<string, string> synonyms;

    private NeedTaxonomy(Dictionary<string, string> synonyms) => this.synonyms = synonyms;

    /// <summary>The built-in table.</summary>
    public static NeedTaxonomy Default { get; } = new(BuildDefaults());

    /// <summary>Normalised variant → canonical phrase.</summary>
    public IReadOnlyDictionary<string, string> Synonyms => synonyms;

    /// <summary>The phrases needs are merged into (targets of the table), for embedding-based merging.</summary>
    public IReadOnlyList<string> CanonicalPhrases => synonyms.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>This table with the merchant's edits (variant → canonical) on top; an edit wins over a default.</summary>
    public NeedTaxonomy With(IEnumerable<KeyValuePair<string, string>> merchantSynonyms)
    {
        var merged = new Dictionary<string, string>(synonyms, StringComparer.Ordinal);
        foreach (var (variant, canonical) in merchantSynonyms)
        {
            var from = Normalise(variant);
            var to = Normalise(canonical);
            if (from.Length > 0 && to.Length > 0)
            {
                merged[from] = to;
            }
        }

        return new NeedTaxonomy(merged);
    }

    /// <summary>
    /// What a mined aspect is listed as: a complaint's need through the table; praise as "&lt;aspect&gt;: praised" and
    /// a mention as "&lt;aspect&gt;: mentioned" — whatever phrase a miner put on them, praise never becomes a need.
    /// </summary>
    public string Label(MinedNeed need) =>
        need.IsNeed ? Canonicalise(need.Need) : AspectNeeds.Label(Normalise(need.Aspect), need.Need, need.Polarity);

    /// <summary>The canonical phrase for <paramref name="phrase"/> (itself, normalised, when no synonym is known).</summary>
    public string Canonicalise(string phrase)
    {
        var normal = Normalise(phrase);

        // Follow chains (a → b → c) but never loop on a merchant's cyclic edit.
        for (var hops = 0; hops < 4 && synonyms.TryGetValue(normal, out var next) && next != normal; hops++)
        {
            normal = next;
        }

        return normal;
    }

    /// <summary>Lower case, single spaces, letters/digits/apostrophes only, no leading article.</summary>
    public static string Normalise(string phrase)
    {
        var builder = new StringBuilder(phrase.Length);
        var lastSpace = true;
        foreach (var c in phrase.Trim())
        {
            if (char.IsWhiteSpace(c) || c is '_' or '-')
            {
                if (!lastSpace)
                {
                    builder.Append(' ');
                    lastSpace = true;
                }
            }
            else if (char.IsLetterOrDigit(c) || c == '\'')
            {
                builder.Append(char.ToLowerInvariant(c));
                lastSpace = false;
            }
        }

        var normal = builder.ToString().TrimEnd();
        foreach (var filler in LeadingFillers)
        {
            if (normal.StartsWith(filler, StringComparison.Ordinal) && normal.Length > filler.Length)
            {
                normal = normal[filler.Length..];
            }
        }

        return normal;
    }

    private static Dictionary<string, string> BuildDefaults()
    {
        (string Canonical, string[] Variants)[] groups =
        [
            ("bigger size", ["larger size", "bigger", "larger", "more room", "bigger sizes", "larger sizes", "更大尺寸", "更大", "大一点", "大一些", "尺寸大一点"]),
            ("smaller size", ["smaller", "more compact", "compact size", "更小尺寸", "更小", "小一点", "小一些"]),
            ("lower price", ["cheaper", "cheaper price", "better price", "lower cost", "more affordable", "better value", "更便宜", "便宜一点", "便宜点", "价格低一点", "更低价格"]),
            ("longer battery life", ["longer battery", "better battery", "better battery life", "bigger battery", "more battery life", "longer lasting battery", "更长续航", "续航更长", "电池更耐用", "更耐用的电池", "续航长一点"]),
            ("faster delivery", ["quicker delivery", "faster shipping", "quicker shipping", "better delivery", "better shipping", "更快配送", "发货快一点", "物流快一点", "快点发货"]),
            ("more durable", ["sturdier", "sturdier build", "better durability", "better build quality", "more robust", "durability", "更耐用", "更结实"]),
            ("quieter operation", ["quieter", "less noise", "less noisy", "lower noise", "更安静", "安静一点"]),
            ("lighter weight", ["lighter", "less heavy", "better weight", "更轻", "轻一点"]),
            ("better fit", ["fit", "better sizing", "more comfortable fit", "更合身"]),
            ("resealable packaging", ["resealable zip", "resealable bag", "resealable", "有密封口", "密封口", "能密封", "better packaging"]),
            ("leak protection", ["no leaks", "leak proof", "leakproof", "better seal", "不漏"]),
            ("milder scent", ["less scent", "weaker scent", "lighter fragrance", "less perfume", "香味淡一点"]),
            ("less smell", ["less odor", "less odour", "no smell", "味道小一点"]),
            ("softer material", ["softer", "softer fabric", "更柔软", "软一点"]),
            ("better grip", ["non slip", "anti slip", "more grip", "防滑"]),
            ("fresher product", ["fresher", "better freshness", "更新鲜"]),
            ("easier cleaning", ["easier to clean", "easy cleaning", "好清洗", "容易清洗"]),
            ("better taste", ["tastier", "better flavor", "better flavour", "更好吃", "口味好一点"]),
        ];

        var table = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (canonical, variants) in groups)
        {
            foreach (var variant in variants)
            {
                table[Normalise(variant)] = canonical;
            }
        }

        return table;
    }
}

/// <summary>
/// The <c>insights</c> document <c>needTaxonomy</c>: a merchant's own synonym edits (variant → canonical phrase)
/// and the merges learned from embeddings. Edits win over learned merges, which win over the built-in table.
/// </summary>
public sealed class NeedTaxonomyDocument
{
    public const string DocumentId = "needTaxonomy";

    /// <summary>Learned merges kept per merchant; beyond this, new phrases are simply not merged (the document stays small).</summary>
    public const int MaxLearned = 5_000;

    [JsonPropertyName("id")]
    public string Id => DocumentId;

    public required string MerchantId { get; init; }

    public Dictionary<string, string> Synonyms { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Learned { get; set; } = new(StringComparer.Ordinal);

    public DateTimeOffset UpdatedAt { get; set; }

    [JsonPropertyName("_etag")]
    public string? ETag { get; set; }

    /// <summary>The built-in table, then the learned merges, then the merchant's edits.</summary>
    public NeedTaxonomy ToTaxonomy() => NeedTaxonomy.Default.With(Learned).With(Synonyms);
}
