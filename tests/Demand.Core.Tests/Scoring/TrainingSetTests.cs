using System.Globalization;
using System.Text;
using Demand.Core.Identifiers;
using Demand.Core.Ingestion;
using Demand.Core.Scoring;

namespace Demand.Core.Tests.Scoring;

public sealed class TrainingSetTests
{
    private static readonly DateOnly First = new(2026, 10, 1);

    private static TrainingSet Load(DateOnly? collapseBefore)
    {
        var set = new TrainingSet { CollapseBefore = collapseBefore };
        for (var d = 0; d < 14; d++)
        {
            var day = First.AddDays(d);
            var lines = new StringBuilder();
            for (var u = 0; u < 6; u++)
            {
                var at = day.ToDateTime(new TimeOnly(8 + u, 15 * (d % 4)), DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture);
                var type = (u + d) % 5 == 0 ? "purchase" : (u + d) % 3 == 0 ? "cart_add" : "view";
                lines.Append(CultureInfo.InvariantCulture, $"{{\"eventId\":\"e{d}-{u}\",\"userId\":\"u{u}\",\"type\":\"{type}\",\"timestamp\":\"{at}\",\"productId\":\"p{(u * d) % 7}\",\"categoryId\":\"c{(u + d) % 4}\"}}\n");
            }

            set.AddPart(day, MerchantId.Parse("m"), Encoding.UTF8.GetBytes(lines.ToString()), LogMapping.Default);
        }

        return set;
    }

    [Fact]
    public void Days_collapsed_before_the_earliest_cutoff_give_the_same_features_and_labels_as_day_by_day_history()
    {
        var cutoffs = new[] { First.AddDays(9), First.AddDays(11) };
        var daily = Load(null).Build("m", cutoffs, horizonDays: 2);
        var collapsedSet = Load(First.AddDays(8));
        var collapsed = collapsedSet.Build("m", cutoffs, horizonDays: 2);

        collapsedSet.Days.Count.ShouldBeLessThan(14, "the early days are one aggregate");
        collapsedSet.Days.Min().ShouldBe(First);
        for (var c = 0; c < cutoffs.Length; c++)
        {
            collapsed[c].Rows.Count.ShouldBeGreaterThan(0);
            collapsed[c].Labels.ShouldBe(daily[c].Labels);
            collapsed[c].Categories.ShouldBe(daily[c].Categories);
            for (var r = 0; r < daily[c].Rows.Count; r++)
            {
                collapsed[c].Rows[r].Zip(daily[c].Rows[r]).ShouldAllBe(p => Math.Abs(p.First - p.Second) < 1e-4f);
            }
        }
    }

    [Fact]
    public void One_running_state_across_cutoffs_gives_the_same_rows_labels_and_buyers_as_a_fresh_state_per_cutoff()
    {
        var cutoffs = new[] { First.AddDays(11), First.AddDays(5), First.AddDays(8) };
        var fresh = Load(First.AddDays(4)).Build("m", cutoffs, horizonDays: 2);
        var running = Load(First.AddDays(4)).Build("m", cutoffs, horizonDays: 2, keepFeatures: false);

        running.Select(s => s.Cutoff).ShouldBe(fresh.Select(s => s.Cutoff));
        for (var c = 0; c < fresh.Count; c++)
        {
            running[c].Rows.Count.ShouldBeGreaterThan(0);
            running[c].Labels.ShouldBe(fresh[c].Labels);
            running[c].Categories.ShouldBe(fresh[c].Categories);
            running[c].UserIndex.ShouldBe(fresh[c].UserIndex);
            running[c].Users.Select(u => (u.User.UserId, string.Join(',', u.Bought.Order(StringComparer.Ordinal))))
                .ShouldBe(fresh[c].Users.Select(u => (u.User.UserId, string.Join(',', u.Bought.Order(StringComparer.Ordinal)))));
            running[c].Users.ShouldAllBe(u => u.User.Categories.Count == 0, "only the id is kept");
            for (var r = 0; r < fresh[c].Rows.Count; r++)
            {
                running[c].Rows[r].ShouldBe(fresh[c].Rows[r]);
            }
        }
    }
}
