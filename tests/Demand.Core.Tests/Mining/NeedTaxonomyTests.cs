using Demand.Core.Mining;
using Demand.Core.Profiles;

namespace Demand.Core.Tests.Mining;

public sealed class NeedTaxonomyTests
{
    [Theory]
    [InlineData("Bigger", "bigger size")]
    [InlineData("  a LARGER   size! ", "bigger size")]
    [InlineData("更大尺寸", "bigger size")]
    [InlineData("longer-lasting battery", "longer battery life")]
    [InlineData("Faster Shipping", "faster delivery")]
    [InlineData("something new", "something new")]
    [InlineData("better battery life", "longer battery life")]
    [InlineData("续航更长", "longer battery life")]
    public void Phrasings_of_one_need_canonicalise_to_the_offline_miners_phrase(string phrase, string expected) =>
        NeedTaxonomy.Default.Canonicalise(phrase).ShouldBe(expected);

    [Fact]
    public void A_merchant_edit_overrides_the_built_in_table_follows_chains_and_survives_a_cycle()
    {
        var taxonomy = NeedTaxonomy.Default.With(new Dictionary<string, string>
        {
            ["bigger size"] = "XL sizes",
            ["roomier"] = "bigger",
            ["a"] = "b",
            ["b"] = "a",
        });

        taxonomy.Canonicalise("larger").ShouldBe("xl sizes");
        taxonomy.Canonicalise("Roomier").ShouldBe("xl sizes");
        taxonomy.Canonicalise("a").ShouldBeOneOf("a", "b");
        NeedTaxonomy.Default.Canonicalise("larger").ShouldBe("bigger size");
    }

    [Fact]
    public void Merging_the_same_review_twice_leaves_one_piece_of_evidence_and_a_re_mined_review_replaces_its_needs()
    {
        var profile = new ProfileDocument { Id = "u", MerchantId = "m", UserId = "u" };
        var provisional = Review("r1", provisional: true, new MinedNeed("size", "bigger", "negative", 2, "too small"));
        var real = Review("r1", provisional: false, new MinedNeed("fit", "better fit", "negative", 2, "too small"));

        ProfileNeeds.Merge(profile, [provisional], NeedTaxonomy.Default);
        ProfileNeeds.Merge(profile, [provisional], NeedTaxonomy.Default);

        profile.Needs.ShouldHaveSingleItem().Need.ShouldBe("bigger size");
        profile.Needs.Single().Evidence.ShouldHaveSingleItem();
        profile.Needs.Single().Provisional.ShouldBeTrue();

        ProfileNeeds.Merge(profile, [real], NeedTaxonomy.Default);

        profile.Needs.ShouldHaveSingleItem().Need.ShouldBe("better fit");
        profile.Needs.Single().Provisional.ShouldBeFalse();
    }

    [Fact]
    public void A_category_summary_counts_only_negative_needs_across_its_products()
    {
        var now = DateTimeOffset.UtcNow;
        var a = ProductNeedSummary.Build("m", "a", [Review("r1", false, new MinedNeed("size", "bigger", "negative", 2, "x")), Review("r2", false, new MinedNeed("size", "bigger size", "positive", 1, "y"))], NeedTaxonomy.Default, now);
        var b = ProductNeedSummary.Build("m", "b", [Review("r3", false, new MinedNeed("size", "larger size", "negative", 2, "z"))], NeedTaxonomy.Default, now);

        var category = CategoryNeedSummary.Build("m", "c", [a, b], now);

        category.Reviews.ShouldBe(3);
        var need = category.Needs.ShouldHaveSingleItem();
        (need.Need, need.Mentions, need.Products).ShouldBe(("bigger size", 2, 2));
        need.Share.ShouldBe(0.6667, 0.0001);
    }

    private static ReviewNeedDocument Review(string id, bool provisional, params MinedNeed[] needs) => new()
    {
        Id = id, MerchantId = "m", ProductId = "a", CategoryId = "c", UserId = "u", ReviewId = id, CacheKey = "k", MinerVersion = "v",
        ReviewedAt = DateTimeOffset.UtcNow, Provisional = provisional, Needs = [.. needs],
    };
}

public sealed class NeedPhraseMergingTests
{
    [Fact]
    public void Only_phrases_the_taxonomy_neither_maps_nor_targets_are_unseen()
    {
        var unseen = NeedPhraseMerging.Unseen(["Bigger", "bigger size", "Longer battery lifetime", "longer battery lifetime", "waterproof"], NeedTaxonomy.Default);

        unseen.ShouldBe(["longer battery lifetime", "waterproof"]);
    }

    [Fact]
    public void An_unseen_phrase_merges_into_the_nearest_canonical_phrase_above_the_threshold_and_otherwise_maps_to_itself()
    {
        float[] battery = [1, 0, 0], price = [0, 1, 0];

        var merged = NeedPhraseMerging.Merge(
            ["battery that lasts", "waterproof"], [[0.95f, 0.1f, 0], [0, 0, 1]], ["longer battery life", "lower price"], [battery, price], threshold: 0.9);

        merged["battery that lasts"].ShouldBe("longer battery life");
        merged["waterproof"].ShouldBe("waterproof");
    }

    [Fact]
    public void Learned_merges_apply_between_the_built_in_table_and_the_merchants_edits()
    {
        var document = new NeedTaxonomyDocument
        {
            MerchantId = "m",
            Learned = new() { ["battery that lasts"] = "longer battery life", ["bigger"] = "roomy" },
            Synonyms = new() { ["roomy"] = "bigger size" },
        };

        var taxonomy = document.ToTaxonomy();

        taxonomy.Canonicalise("Battery that lasts").ShouldBe("longer battery life");
        taxonomy.Canonicalise("bigger").ShouldBe("bigger size");
    }
}
