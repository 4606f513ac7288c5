using System.Text.Json;
using Demand.Cli.Commands;
using Demand.Infrastructure.Mining;

namespace Demand.Cli.Tests.Mining;

/// <summary><c>demand mine</c>'s file contract with the shipped learned miner (its real models), on reviews written here.</summary>
public sealed class MineCommandTests
{
    [Fact]
    public async Task Each_review_line_yields_one_output_line_with_utf16_spans_and_needs_only_on_complaints()
    {
        var folder = Directory.CreateTempSubdirectory("demand-mine-");
        var input = Path.Combine(folder.FullName, "reviews.jsonl");
        string[] texts = ["The battery only lasts 3 hours, but the screen is gorgeous.", "😀 The fan is so loud and the speakers crackle.", "电池不耐用，不过屏幕很清晰。", "Bought it for my dad."];
        await File.WriteAllLinesAsync(input, texts.Select((t, i) => JsonSerializer.Serialize(new { id = "r" + i, text = t, rating = 3 })), TestContext.Current.CancellationToken);
        using var miner = new LearnedNeedMiner(LearnedMinerFiles.Default);
        var output = new StringWriter();

        var count = await MineCommand.MineFileAsync(input, output, miner, TestContext.Current.CancellationToken);

        count.ShouldBe(texts.Length);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(MineCommand.ParseLine).ToList();
        lines.Select(l => l.Id).ShouldBe(["r0", "r1", "r2", "r3"]);
        lines.Select(l => l.Language).ShouldBe(["en", "en", "zh", "en"]);
        for (var i = 0; i < texts.Length; i++)
        {
            lines[i].Aspects.ShouldAllBe(a => texts[i].Substring(a.From, a.To - a.From) == a.Term);
            lines[i].Aspects.ShouldAllBe(a => (a.Need != null) == (a.Polarity == "negative"));
        }

        lines[0].Aspects.ShouldContain(a => a.Term == "battery" && a.Need == "longer battery life");
        lines[0].Aspects.ShouldContain(a => a.Term == "screen" && a.Polarity == "positive");
        lines[1].Aspects.ShouldContain(a => a.Term == "fan" && a.Polarity == "negative");
        lines[2].Aspects.ShouldContain(a => a.Term == "电池" && a.Polarity == "negative");
        lines[3].Aspects.ShouldBeEmpty();
        folder.Delete(recursive: true);
    }
}
