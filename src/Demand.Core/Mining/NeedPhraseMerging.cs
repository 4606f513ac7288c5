namespace Demand.Core.Mining;

/// <summary>Vectors for phrases, and what computing them cost.</summary>
public sealed record PhraseEmbeddings(IReadOnlyList<float[]> Vectors, long Tokens);

/// <summary>Embeds short need phrases (an embedding model behind an endpoint).</summary>
public interface INeedEmbedder
{
    /// <summary>One vector per phrase, same order.</summary>
    Task<PhraseEmbeddings> EmbedAsync(IReadOnlyList<string> phrases, CancellationToken cancellationToken);
}

/// <summary>
/// Merges need phrases the taxonomy has never seen into the nearest known canonical phrase when their embeddings
/// are close enough. A phrase with no close neighbour maps to itself: it becomes a canonical phrase later phrases
/// can merge into, and is never embedded again.
/// </summary>
public static class NeedPhraseMerging
{
    /// <summary>The normalised phrases of <paramref name="phrases"/> that <paramref name="taxonomy"/> neither maps nor uses as a target.</summary>
    public static List<string> Unseen(IEnumerable<string> phrases, NeedTaxonomy taxonomy)
    {
        var targets = taxonomy.Synonyms.Values.ToHashSet(StringComparer.Ordinal);
        return phrases.Select(NeedTaxonomy.Normalise)
            .Where(p => p.Length > 0 && !taxonomy.Synonyms.ContainsKey(p) && !targets.Contains(p))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// For each unseen phrase, the most similar canonical phrase at or above <paramref name="threshold"/> (cosine),
    /// else the phrase itself.
    /// </summary>
    public static Dictionary<string, string> Merge(
        IReadOnlyList<string> unseen, IReadOnlyList<float[]> unseenVectors, IReadOnlyList<string> canonical, IReadOnlyList<float[]> canonicalVectors, double threshold)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < unseen.Count; i++)
        {
            var best = (Phrase: unseen[i], Score: double.MinValue);
            for (var j = 0; j < canonical.Count; j++)
            {
                var score = Cosine(unseenVectors[i], canonicalVectors[j]);
                if (score > best.Score)
                {
                    best = (canonical[j], score);
                }
            }

            result[unseen[i]] = best.Score >= threshold ? best.Phrase : unseen[i];
        }

        return result;
    }

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var k = 0; k < Math.Min(a.Length, b.Length); k++)
        {
            dot += a[k] * b[k];
            na += a[k] * a[k];
            nb += b[k] * b[k];
        }

        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }
}
