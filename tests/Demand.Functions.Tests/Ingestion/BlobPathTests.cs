using Demand.Functions.Ingestion;

namespace Demand.Functions.Tests.Ingestion;

public sealed class BlobPathTests
{
    [Theory]
    [InlineData("m1/2026-11-21/part-1.jsonl.gz", "m1", "2026-11-21/part-1.jsonl.gz")]
    [InlineData("m1/x.jsonl", "m1", "x.jsonl")]
    [InlineData("shop-2b/a/b/c.csv", "shop-2b", "a/b/c.csv")]
    public void Merchant_and_name_are_split_at_the_first_slash_and_the_name_keeps_its_slashes(string blobName, string merchant, string name)
    {
        BlobPath.TryParse(blobName, out var m, out var n).ShouldBeTrue();

        m.Value.ShouldBe(merchant);
        n.ShouldBe(name);
    }

    [Theory]
    [InlineData("m1/../m2/x.jsonl")]
    [InlineData("../m2/x.jsonl")]
    [InlineData("m1/./x.jsonl")]
    [InlineData("m1/d/..")]
    [InlineData("m1//x.jsonl")]
    [InlineData("m1/x.jsonl/")]
    [InlineData("/m1/x.jsonl")]
    [InlineData("m1")]
    [InlineData("")]
    [InlineData("m%2F1/x.jsonl")]
    [InlineData("m 1/x.jsonl")]
    [InlineData("m.1/x.jsonl")]
    [InlineData("ä1/x.jsonl")]
    [InlineData("a123456789012345678901234567890123456789012345678901234567890123/x.jsonl")]
    [InlineData("Shop_2-b/x.jsonl")]
    [InlineData("-m1/x.jsonl")]
    public void Dot_segments_empty_segments_and_invalid_merchant_ids_are_refused(string blobName)
    {
        BlobPath.TryParse(blobName, out var merchant, out var name).ShouldBeFalse();

        merchant.ShouldBe(default);
        name.ShouldBeEmpty();
    }

    [Fact]
    public void A_merchant_id_of_63_characters_is_the_longest_accepted()
    {
        var id = new string('a', 63);

        BlobPath.TryParse(id + "/x.jsonl", out var merchant, out _).ShouldBeTrue();
        merchant.Value.ShouldBe(id);
    }
}
