using System.Text.RegularExpressions;

namespace Demand.Core.Mining;

/// <summary>An aspect term occurrence with its polarity (positive, negative, neutral).</summary>
public sealed record AspectTerm(string Term, int From, int To, string Polarity);

/// <summary>
/// Domain-adaptable aspect-term extraction and polarity for the offline miner: an aspect lexicon learned from
/// labelled sentences (terms kept when they are labelled an aspect in at least <see cref="MinPrecision"/> of
/// their occurrences), longest-match first at word boundaries; polarity by multinomial Naive Bayes over the
/// words around the term, with negation marking ("not good" → NOT_good).
/// </summary>
public sealed partial class AspectTermExtractor
{
    private static readonly string[] Polarities = ["positive", "negative", "neutral"];
    private readonly Dictionary<string, (int Aspect, int Seen)> _terms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>[] _wordCounts = [new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal)];
    private readonly int[] _classCounts = new int[3];
    private readonly int[] _classWords = new int[3];
    private List<string> _lexicon = [];
    private int _vocabulary = 1;

    public double MinPrecision { get; init; } = 0.3;

    public int Window { get; init; } = 5;

    [GeneratedRegex(@"[\w'-]+|[^\w\s]")]
    private static partial Regex Token();

    public void Train(IEnumerable<(string Text, IReadOnlyList<AspectTerm> Terms)> sentences)
    {
        var list = sentences.ToList();
        foreach (var (text, terms) in list)
        {
            var lower = text.ToLowerInvariant();
            foreach (var term in terms)
            {
                var key = term.Term.ToLowerInvariant();
                _terms[key] = (_terms.GetValueOrDefault(key).Aspect + 1, 0);
                var c = Array.IndexOf(Polarities, term.Polarity);
                if (c < 0)
                {
                    continue;
                }

                _classCounts[c]++;
                foreach (var w in Context(lower, term.From, term.To))
                {
                    _wordCounts[c][w] = _wordCounts[c].GetValueOrDefault(w) + 1;
                    _classWords[c]++;
                }
            }
        }

        // How often each candidate term appears at all, to drop terms that are usually not aspects.
        foreach (var (text, _) in list)
        {
            var lower = text.ToLowerInvariant();
            foreach (var key in _terms.Keys.ToList())
            {
                var count = Occurrences(lower, key);
                if (count > 0)
                {
                    _terms[key] = (_terms[key].Aspect, _terms[key].Seen + count);
                }
            }
        }

        _vocabulary = _wordCounts.SelectMany(d => d.Keys).Distinct().Count() + 1;
        _lexicon = _terms.Where(t => t.Value.Aspect >= 1 && t.Value.Aspect >= MinPrecision * Math.Max(1, t.Value.Seen))
            .Select(t => t.Key).OrderByDescending(k => k.Length).ToList();
    }

    public IReadOnlyList<AspectTerm> Extract(string text)
    {
        var lower = text.ToLowerInvariant();
        var taken = new bool[lower.Length];
        var found = new List<AspectTerm>();
        foreach (var term in _lexicon)
        {
            var at = 0;
            while ((at = lower.IndexOf(term, at, StringComparison.Ordinal)) >= 0)
            {
                var end = at + term.Length;
                var boundary = (at == 0 || !char.IsLetterOrDigit(lower[at - 1])) && (end == lower.Length || !char.IsLetterOrDigit(lower[end]));
                if (boundary && !taken.AsSpan(at, term.Length).Contains(true))
                {
                    taken.AsSpan(at, term.Length).Fill(true);
                    found.Add(new AspectTerm(text[at..end], at, end, Classify(lower, at, end)));
                }

                at = end;
            }
        }

        return found.OrderBy(f => f.From).ToList();
    }

    private string Classify(string lower, int from, int to)
    {
        var vocabulary = _vocabulary;
        var total = _classCounts.Sum();
        var best = 0;
        var bestScore = double.NegativeInfinity;
        var words = Context(lower, from, to).ToList();
        for (var c = 0; c < 3; c++)
        {
            var score = Math.Log((_classCounts[c] + 1.0) / (total + 3.0));
            foreach (var w in words)
            {
                score += Math.Log((_wordCounts[c].GetValueOrDefault(w) + 1.0) / (_classWords[c] + vocabulary));
            }

            if (score > bestScore)
            {
                (best, bestScore) = (c, score);
            }
        }

        return Polarities[best];
    }

    private IEnumerable<string> Context(string lower, int from, int to)
    {
        var tokens = Token().Matches(lower).Select(m => (m.Value, m.Index)).ToList();
        var first = tokens.FindIndex(t => t.Index >= from);
        var last = tokens.FindLastIndex(t => t.Index < to);
        if (first < 0)
        {
            yield break;
        }

        var negate = false;
        for (var i = Math.Max(0, first - Window); i <= Math.Min(tokens.Count - 1, Math.Max(first, last) + Window); i++)
        {
            var w = tokens[i].Value;
            if (i >= first && i <= last)
            {
                continue;
            }

            if (w is "not" or "n't" or "no" or "never" or "didn't" or "wasn't" or "isn't")
            {
                negate = true;
                continue;
            }

            if (w is "." or "," or "but" or "!" or "?")
            {
                negate = false;
            }

            yield return (negate ? "NOT_" : "") + w + (i < first ? "<" : ">");
            yield return (negate ? "NOT_" : "") + w;
        }
    }

    private static int Occurrences(string text, string term)
    {
        var count = 0;
        var at = 0;
        while ((at = text.IndexOf(term, at, StringComparison.Ordinal)) >= 0)
        {
            var end = at + term.Length;
            if ((at == 0 || !char.IsLetterOrDigit(text[at - 1])) && (end == text.Length || !char.IsLetterOrDigit(text[end])))
            {
                count++;
            }

            at = end;
        }

        return count;
    }
}
