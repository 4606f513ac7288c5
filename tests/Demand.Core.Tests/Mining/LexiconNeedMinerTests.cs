using Demand.Core.Mining;

namespace Demand.Core.Tests.Mining;

public sealed class LexiconNeedMinerTests
{
    private static readonly LexiconNeedMiner Miner = new();

    [Theory]
    [InlineData("Battery dies by noon, wish it lasted longer.", 2, "battery", "longer battery life", "negative")]
    [InlineData("Too small for my toddler.", 2, "size", "bigger size", "negative")]
    [InlineData("Way too big, I wish it were more compact.", 2, "size", "smaller size", "negative")]
    [InlineData("Not too loud at all.", 5, "noise", "noise: praised", "positive")]
    [InlineData("The coffee runs out of freshness fast, stale within a week.", 2, "freshness", "fresher product", "negative")]
    [InlineData("希望电池更耐用。", 2, "battery", "longer battery life", "negative")]
    [InlineData("尺寸太小了。", 2, "size", "bigger size", "negative")]
    [InlineData("电池不够用。", 2, "battery", "longer battery life", "negative")]
    [InlineData("要是有密封口就好了。", 3, "packaging", "resealable packaging", "negative")]
    [InlineData("声音不大，很安静。", 5, "noise", "noise: praised", "positive")]
    public void Needs_are_found_in_english_and_chinese_with_polarity_and_negation(string text, int rating, string aspect, string need, string polarity)
    {
        var needs = Miner.Mine(text, rating);

        needs.ShouldContain(n => n.Aspect == aspect && n.Need == need && n.Polarity == polarity, $"{text} → {string.Join("; ", needs)}");
        needs.ShouldAllBe(n => text.Contains(n.Evidence, StringComparison.Ordinal));
    }

    [Fact]
    public void A_review_without_aspects_yields_no_needs()
    {
        Miner.Mine("Bought this for my family. Second time ordering.", 4).ShouldBeEmpty();
    }

    [Fact]
    public void The_strongest_complaints_get_the_highest_severity()
    {
        Miner.Mine("It broke after two weeks.", 1).Single().Severity.ShouldBe(3);
        Miner.Mine("Wish the bag had a resealable zip.", 3).Single().Severity.ShouldBe(1);
    }
}

public sealed class NeedPolarityTests
{
    [Fact]
    public void Praise_from_the_lexicon_miner_is_a_satisfied_aspect_not_a_need()
    {
        var mined = new LexiconNeedMiner().Mine("Great value for the money.", 5).ShouldHaveSingleItem();

        (mined.Aspect, mined.Polarity, mined.Need, mined.IsNeed).ShouldBe(("price", "positive", "price: praised", false));
    }

    [Fact]
    public void A_profile_lists_praise_as_praised_and_drops_neutral_mentions_whatever_phrase_the_miner_used()
    {
        var profile = new Demand.Core.Profiles.ProfileDocument { Id = "u", MerchantId = "m", UserId = "u" };
        var review = new ReviewNeedDocument
        {
            Id = "r", MerchantId = "m", ProductId = "p", UserId = "u", ReviewId = "r", CacheKey = "k", MinerVersion = "v", ReviewedAt = DateTimeOffset.UtcNow,
            Needs =
            [
                new MinedNeed("price", "lower price", "positive", 1, "Great value"),
                new MinedNeed("battery", "longer battery life", "negative", 2, "only lasts 3 hours"),
                new MinedNeed("screen", "screen: mentioned", "neutral", 1, "the screen"),
            ],
        };

        ProfileNeeds.Merge(profile, [review], NeedTaxonomy.Default);

        profile.Needs.Select(n => (n.Need, n.Polarity)).OrderBy(n => n.Need, StringComparer.Ordinal)
            .ShouldBe([("longer battery life", "negative"), ("price: praised", "positive")]);
    }

    [Fact]
    public void A_product_summary_never_counts_praise_or_mentions_as_needs()
    {
        var review = new ReviewNeedDocument
        {
            Id = "r", MerchantId = "m", ProductId = "p", UserId = "u", ReviewId = "r", CacheKey = "k", MinerVersion = "v", ReviewedAt = DateTimeOffset.UtcNow,
            Needs = [new MinedNeed("size", "smaller size", "positive", 1, "really big screen"), new MinedNeed("keyboard", "keyboard: mentioned", "neutral", 1, "keyboard")],
        };

        var summary = ProductNeedSummary.Build("m", "p", [review], NeedTaxonomy.Default, DateTimeOffset.UtcNow);

        summary.Needs.ShouldHaveSingleItem().ShouldSatisfyAllConditions(n => n.Need.ShouldBe("size: praised"), n => n.Polarity.ShouldBe("positive"));
    }
}
