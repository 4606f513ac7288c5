using JiebaNet.Segmenter;
using JiebaNet.Segmenter.PosSeg;

namespace Demand.Infrastructure.Mining.Learned;

/// <summary>A word of a Chinese text: its span [From, To) in the text (UTF-16) and its part of speech (jieba's ICTCLAS flags).</summary>
public readonly record struct ChineseWord(string Word, string Pos, int From, int To);

/// <summary>
/// Chinese word segmentation with part-of-speech tags by jieba.NET (its dictionaries are copied into
/// <c>Resources/</c> of the application by the build). Whole words, never substrings: 重 inside 重要 or 严重 is part of
/// those words and nothing else. One instance per process (the dictionary takes ~1 s to load); calls are serialised
/// because jieba.NET does not promise thread safety.
/// </summary>
public sealed class ChineseSegmenter
{
    private readonly PosSegmenter _segmenter;
    private readonly Lock _gate = new();

    public ChineseSegmenter()
    {
        ConfigManager.ConfigFileBaseDir = Path.Combine(AppContext.BaseDirectory, "Resources");
        _segmenter = new PosSegmenter(new JiebaSegmenter());
    }

    public IReadOnlyList<ChineseWord> Segment(string text)
    {
        List<Pair> pairs;
        lock (_gate)
        {
            pairs = _segmenter.Cut(text).ToList();
        }

        var words = new List<ChineseWord>(pairs.Count);
        var at = 0;
        foreach (var pair in pairs)
        {
            var from = text.IndexOf(pair.Word, at, StringComparison.Ordinal);
            if (from < 0)
            {
                continue;
            }

            at = from + pair.Word.Length;
            if (!string.IsNullOrWhiteSpace(pair.Word))
            {
                words.Add(new ChineseWord(pair.Word, pair.Flag, from, at));
            }
        }

        return words;
    }
}
