using System.Globalization;
using System.Text;

namespace Demand.Infrastructure.Mining.Learned;

/// <summary>A WordPiece token: vocabulary id and its character span [From, To) in the original text (UTF-16).</summary>
public readonly record struct WordPiece(int Id, int From, int To);

/// <summary>
/// BERT's uncased WordPiece tokenisation (basic tokeniser: control characters dropped, whitespace and punctuation
/// split, CJK characters on their own, lower-cased, accents stripped; then greedy longest-match WordPiece with
/// <c>##</c> continuations) over the encoder's own vocabulary. Written here rather than taken from
/// Microsoft.ML.Tokenizers or FastBertTokenizer because the miner needs every piece's span in the *original* text:
/// the former reports offsets into its normalised text (which pads CJK characters with spaces), the latter none.
/// </summary>
public sealed class WordPieceTokenizer
{
    private const int MaxWordLength = 100;
    private readonly Dictionary<string, int> _vocabulary;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public WordPieceTokenizer(IEnumerable<string> vocabulary)
    {
        _vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in vocabulary)
        {
            _vocabulary.TryAdd(token, _vocabulary.Count);
        }

        _lookup = _vocabulary.GetAlternateLookup<ReadOnlySpan<char>>();
        ClsId = _vocabulary["[CLS]"];
        SepId = _vocabulary["[SEP]"];
        PadId = _vocabulary["[PAD]"];
        UnknownId = _vocabulary["[UNK]"];
    }

    public int ClsId { get; }

    public int SepId { get; }

    public int PadId { get; }

    public int UnknownId { get; }

    public static WordPieceTokenizer Load(string vocabularyFile) => new(File.ReadLines(vocabularyFile).Select(l => l.TrimEnd('\r')));

    /// <summary>Pieces of text[from..to), spans relative to the whole text.</summary>
    public List<WordPiece> Tokenize(string text, int from = 0, int to = -1)
    {
        if (to < 0)
        {
            to = text.Length;
        }

        var pieces = new List<WordPiece>();
        var word = new StringBuilder();
        var origin = new List<int>();
        for (var i = from; i < to; i++)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c) || IsControl(c))
            {
                Flush(pieces, word, origin);
                continue;
            }

            if (IsPunctuation(c) || IsCjk(c))
            {
                Flush(pieces, word, origin);
                AddNormalised(word, origin, c, i);
                Flush(pieces, word, origin);
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < to)
            {
                // Astral characters (emoji) are one word each: the vocabulary has none of them.
                Flush(pieces, word, origin);
                pieces.Add(new WordPiece(UnknownId, i, i + 2));
                i++;
                continue;
            }

            AddNormalised(word, origin, c, i);
        }

        Flush(pieces, word, origin);
        return pieces;
    }

    private static void AddNormalised(StringBuilder word, List<int> origin, char c, int at)
    {
        var lower = char.ToLowerInvariant(c);
        // BERT strips accents by NFD decomposition; the app runs with invariant globalization (no ICU, so no
        // String.Normalize for non-ASCII), hence a table for the Latin letters reviews actually use.
        if (lower is >= '\u00e0' and <= '\u017f')
        {
            var folded = AccentFolds[lower - '\u00e0'];
            if (folded != ' ')
            {
                lower = folded;
            }
        }

        word.Append(lower);
        origin.Add(at);
    }

    // U+00E0..U+017F without their accents (' ': keep the letter as it is).
    private const string AccentFolds =
        "aaaaaa ceeeeiiii nooooo  uuuuy yaaaaaaccccccccdd  eeeeeeeeeegggggggghh  iiiiiiiii   jjkk llllll    nnnnnn   oooooo  rrrrrrsssssssstttt  uuuuuuuuuuuuwwyyyzzzzzz ";

    private void Flush(List<WordPiece> pieces, StringBuilder word, List<int> origin)
    {
        if (word.Length == 0)
        {
            if (origin.Count > 0)
            {
                origin.Clear();
            }

            return;
        }

        var normalised = word.ToString();
        var wordFrom = origin[0];
        var wordTo = origin[^1] + 1;
        if (normalised.Length > MaxWordLength)
        {
            pieces.Add(new WordPiece(UnknownId, wordFrom, wordTo));
            word.Clear();
            origin.Clear();
            return;
        }

        var added = pieces.Count;
        var at = 0;
        Span<char> buffer = stackalloc char[MaxWordLength + 2];
        while (at < normalised.Length)
        {
            var end = normalised.Length;
            var found = -1;
            while (end > at)
            {
                var length = 0;
                if (at > 0)
                {
                    buffer[0] = '#';
                    buffer[1] = '#';
                    length = 2;
                }

                normalised.AsSpan(at, end - at).CopyTo(buffer[length..]);
                length += end - at;
                if (_lookup.TryGetValue(buffer[..length], out var id))
                {
                    found = id;
                    break;
                }

                end--;
            }

            if (found < 0)
            {
                // BERT: a word with an unmatchable piece is one [UNK].
                pieces.RemoveRange(added, pieces.Count - added);
                pieces.Add(new WordPiece(UnknownId, wordFrom, wordTo));
                break;
            }

            pieces.Add(new WordPiece(found, origin[at], origin[end - 1] + 1));
            at = end;
        }

        word.Clear();
        origin.Clear();
    }

    private static bool IsControl(char c) =>
        c is '\0' or '\uFFFD' || (c is not ('\t' or '\n' or '\r') && CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format);

    private static bool IsPunctuation(char c) =>
        c is (>= '!' and <= '/') or (>= ':' and <= '@') or (>= '[' and <= '`') or (>= '{' and <= '~') || char.IsPunctuation(c);

    private static bool IsCjk(char c) =>
        c is (>= '\u4E00' and <= '\u9FFF') or (>= '\u3400' and <= '\u4DBF') or (>= '\uF900' and <= '\uFAFF');
}
