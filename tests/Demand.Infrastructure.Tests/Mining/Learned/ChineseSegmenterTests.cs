using Demand.Infrastructure.Mining.Learned;

namespace Demand.Infrastructure.Tests.Mining.Learned;

/// <summary>jieba.NET with the dictionaries the build copies next to the application.</summary>
public sealed class ChineseSegmenterTests
{
    private static readonly ChineseSegmenter Segmenter = new();

    [Theory]
    [InlineData("这本书对孩子很重要", "重要")]
    [InlineData("问题很严重", "严重")]
    [InlineData("重新买了一个", "重新")]
    public void A_character_inside_a_word_is_never_a_word_of_its_own(string text, string word)
    {
        var words = Segmenter.Segment(text);

        words.ShouldContain(w => w.Word == word);
        words.ShouldNotContain(w => w.Word == "重");
    }

    [Fact]
    public void Words_carry_their_span_and_part_of_speech()
    {
        const string text = "电池续航太差了，包装很好。";

        var words = Segmenter.Segment(text);

        words.ShouldAllBe(w => text.Substring(w.From, w.To - w.From) == w.Word);
        words.ShouldContain(w => w.Word == "电池" && w.Pos.StartsWith('n'));
    }
}
