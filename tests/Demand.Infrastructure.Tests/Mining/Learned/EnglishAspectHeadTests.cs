using Demand.Infrastructure.Mining.Learned;

namespace Demand.Infrastructure.Tests.Mining.Learned;

/// <summary>
/// The per-piece surface features a head may read next to the uncased encoder's states; training/train_miner.py's
/// <c>surface</c> computes the same five values from the same spans.
/// </summary>
public sealed class EnglishAspectHeadTests
{
    private static float[] Features(string text, int from, int to)
    {
        var into = new float[EnglishAspectHead.SurfaceFeatures];
        EnglishAspectHead.Surface(text, new WordPiece(0, from, to), into);
        return into;
    }

    [Theory]
    [InlineData(0, 7, new float[] { 1, 0, 0, 0, 1 })]   // "Windows": capitalised, starts a word
    [InlineData(8, 9, new float[] { 0, 0, 1, 0, 1 })]   // "7": a digit
    [InlineData(10, 13, new float[] { 1, 1, 0, 0, 1 })] // "USB": all capitals
    [InlineData(13, 14, new float[] { 0, 0, 0, 1, 0 })] // "-": punctuation, glued to the word before
    [InlineData(14, 18, new float[] { 0, 0, 0, 0, 1 })] // "port": lower case, after the hyphen
    [InlineData(19, 21, new float[] { 0, 0, 0, 0, 1 })] // "is"
    public void Surface_features_mark_capitals_digits_punctuation_and_word_starts(int from, int to, float[] expected)
    {
        Features("Windows 7 USB-port is", from, to).ShouldBe(expected);
    }

    [Fact]
    public void A_word_continued_by_a_later_piece_does_not_start_a_word()
    {
        const string text = "touchpad";

        (Features(text, 0, 5)[4], Features(text, 5, 8)[4]).ShouldBe((1f, 0f));
    }
}
