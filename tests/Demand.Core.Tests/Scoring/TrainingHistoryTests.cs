using System.Globalization;
using System.Text;
using Demand.Core.Events;
using Demand.Core.Identifiers;
using Demand.Core.Ingestion;
using Demand.Core.Scoring;
using Demand.Core.Storage;

namespace Demand.Core.Tests.Scoring;

public sealed class TrainingHistoryTests
{
    private static readonly DateOnly First = new(2026, 10, 1);
    private static readonly MerchantId Merchant = MerchantId.Parse("m");

    /// <summary>20 daily parts, each with one view by each of 200 shoppers, and one part outside the day folders.</summary>
    private sealed class Archive : ILogArchive
    {
        public Dictionary<string, byte[]> Parts { get; } = [];

        public List<string> Read { get; } = [];

        public Archive()
        {
            for (var d = 0; d < 20; d++)
            {
                var day = First.AddDays(d);
                var lines = new StringBuilder();
                for (var u = 0; u < 200; u++)
                {
                    var at = day.ToDateTime(new TimeOnly(10, 0), DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture);
                    lines.Append(CultureInfo.InvariantCulture, $"{{\"eventId\":\"e{d}-{u}\",\"userId\":\"u{u}\",\"type\":\"view\",\"timestamp\":\"{at}\",\"productId\":\"p{u % 7}\",\"categoryId\":\"c{u % 4}\"}}\n");
                }

                Parts[$"{day:yyyy-MM-dd}/part-1.jsonl"] = Encoding.UTF8.GetBytes(lines.ToString());
            }

            Parts["loose.jsonl"] = Parts[$"{First:yyyy-MM-dd}/part-1.jsonl"];
        }

        public Task<IReadOnlyList<string>> ListAsync(MerchantId merchantId, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<string>>([.. Parts.Keys.Order(StringComparer.Ordinal)]);

        public Task<byte[]> ReadAsync(MerchantId merchantId, string name, CancellationToken cancellationToken)
        {
            Read.Add(name);
            return Task.FromResult(Parts[name]);
        }
    }

    [Fact]
    public async Task Only_the_newest_days_within_the_window_are_read_and_loose_parts_are_counted_not_read()
    {
        var archive = new Archive();

        var history = await TrainingHistory.LoadAsync(archive, Merchant, LogMapping.Default, shoppers: 200, maxShoppers: 1_000, maxHistoryDays: 10, new MerchantTrainingOptions(), TestContext.Current.CancellationToken);

        history.HistoryEnd.ShouldBe(First.AddDays(20));
        history.DailyParts.ShouldBe(20);
        history.OtherParts.ShouldBe(1);
        archive.Read.Count.ShouldBe(10);
        archive.Read.ShouldNotContain("loose.jsonl");
        history.Logs.Accepted.ShouldBe(10 * 200);
        history.Keep.ShouldBe(1.0);
    }

    [Fact]
    public async Task Beyond_the_shopper_bound_a_stable_sample_keeps_all_events_of_the_shoppers_it_keeps()
    {
        var history = await TrainingHistory.LoadAsync(new Archive(), Merchant, LogMapping.Default, shoppers: 200, maxShoppers: 50, maxHistoryDays: 120, new MerchantTrainingOptions { HorizonDays = 2, TrainingCutoffs = 1, BackTestCutoffs = 1 }, TestContext.Current.CancellationToken);

        history.Keep.ShouldBe(0.25);
        var expected = Enumerable.Range(0, 200).Select(u => "u" + u).Where(u => MerchantTraining.StableFraction(u) < 0.25).Order(StringComparer.Ordinal).ToList();
        expected.Count.ShouldBeInRange(30, 70);
        var set = history.Logs.Build("m", [First.AddDays(18)], horizonDays: 2).Single();
        set.Users.Select(u => u.User.UserId).Order(StringComparer.Ordinal).ShouldBe(expected);
        // Every kept shopper has all 18 of their days of views in the features, collapsed or not.
        set.Users.ShouldAllBe(u => u.User.Categories.Values.Sum(c => c.Counts[(int)EventType.View]) == 18);
    }

    [Fact]
    public async Task A_merchant_without_daily_parts_gets_an_empty_history_that_names_what_was_uploaded()
    {
        var archive = new Archive();
        foreach (var day in archive.Parts.Keys.Where(k => k.Contains('/', StringComparison.Ordinal)).ToList())
        {
            archive.Parts.Remove(day);
        }

        var history = await TrainingHistory.LoadAsync(archive, Merchant, LogMapping.Default, 200, 1_000, 120, new MerchantTrainingOptions(), TestContext.Current.CancellationToken);

        history.DailyParts.ShouldBe(0);
        history.OtherParts.ShouldBe(1);
        history.Logs.Days.ShouldBeEmpty();
        archive.Read.ShouldBeEmpty();
    }

    [Fact]
    public void Sequential_shopper_ids_spread_evenly_and_a_salted_second_sample_is_independent_of_the_first()
    {
        var ids = Enumerable.Range(0, 4_000).Select(u => "u" + u).ToList();

        ids.Count(u => MerchantTraining.StableFraction(u) < 0.25).ShouldBeInRange(900, 1_100);
        var first = ids.Where(u => MerchantTraining.StableFraction(u) < 0.2).ToList();
        // Without the salt every shopper of the first sample would pass a second cut at 0.5.
        (first.Count(u => MerchantTraining.StableFraction(u, salt: 1) < 0.5) / (double)first.Count).ShouldBeInRange(0.42, 0.58);
    }
}
