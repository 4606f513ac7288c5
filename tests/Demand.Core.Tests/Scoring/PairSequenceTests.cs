using System.Globalization;
using System.Text;
using Demand.Core.Events;
using Demand.Core.Features;
using Demand.Core.Identifiers;
using Demand.Core.Ingestion;
using Demand.Core.Scoring;

namespace Demand.Core.Tests.Scoring;

public sealed class PairSequenceTests
{
    private static readonly DateOnly First = new(2026, 10, 1);

    private static long At(DateOnly day, int hour) => new DateTimeOffset(day.ToDateTime(new TimeOnly(hour, 0)), TimeSpan.Zero).ToUnixTimeSeconds();

    private static float L(long count) => (float)Math.Log(1 + count);

    private static float[] Expected(params (int Day, float[] Values)[] days)
    {
        var expected = new float[PairSequence.Length];
        foreach (var (day, values) in days)
        {
            values.CopyTo(expected, day * PairSequence.Channels);
        }

        return expected;
    }

    [Fact]
    public void Each_day_holds_log_counts_of_the_category_events_then_the_shoppers_events_and_purchases_in_any_category()
    {
        var yesterday = UserFeatures.Create("m", "u1");
        yesterday.Observe(EventType.View, "c1", At(First, 9));
        yesterday.Observe(EventType.View, "c1", At(First, 10));
        yesterday.Observe(EventType.CartAdd, "c1", At(First, 11));
        yesterday.Observe(EventType.Purchase, "c1", At(First, 12));
        yesterday.Observe(EventType.Purchase, "c2", At(First, 13));
        yesterday.Observe(EventType.View, null, At(First, 14));
        var earlier = UserFeatures.Create("m", "u1");
        earlier.Observe(EventType.Search, "c1", At(First.AddDays(-2), 9));
        earlier.Observe(EventType.CartRemove, "c1", At(First.AddDays(-2), 10));
        earlier.Observe(EventType.Wishlist, "c3", At(First.AddDays(-2), 11));
        var days = new UserFeatures?[PairSequence.Days];
        days[^1] = yesterday;
        days[^3] = earlier;
        var output = new float[PairSequence.Length];

        PairSequence.Write(days, "c1", output);

        output.ShouldBe(Expected(
            (PairSequence.Days - 3, [0, L(1), 0, L(1), 0, 0, L(3), 0]),
            (PairSequence.Days - 1, [L(2), 0, L(1), 0, 0, L(1), L(6), L(2)])));
    }

    [Fact]
    public void A_category_the_shopper_never_touched_still_carries_the_shoppers_daily_activity()
    {
        var day = UserFeatures.Create("m", "u1");
        day.Observe(EventType.View, "c1", At(First, 9));
        day.Observe(EventType.Purchase, "c2", At(First, 10));
        var days = new UserFeatures?[PairSequence.Days];
        days[5] = day;
        var output = new float[PairSequence.Length];

        PairSequence.Write(days, "c9", output);

        output.ShouldBe(Expected((5, [0, 0, 0, 0, 0, 0, L(2), L(1)])));
    }

    [Fact]
    public void A_wrong_number_of_days_or_a_wrong_output_length_is_refused()
    {
        Should.Throw<ArgumentException>(() => PairSequence.Write(new UserFeatures?[PairSequence.Days - 1], "c1", new float[PairSequence.Length]));
        Should.Throw<ArgumentException>(() => PairSequence.Write(new UserFeatures?[PairSequence.Days], "c1", new float[PairSequence.Length + 1]));
    }

    private static TrainingSet Logs(DateOnly? collapseBefore = null)
    {
        var set = new TrainingSet { CollapseBefore = collapseBefore };
        void Part(int dayOffset, params (string User, string Type, string Category)[] events)
        {
            var day = First.AddDays(dayOffset);
            var lines = new StringBuilder();
            for (var i = 0; i < events.Length; i++)
            {
                var at = day.ToDateTime(new TimeOnly(9 + i, 0), DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture);
                lines.Append(CultureInfo.InvariantCulture, $"{{\"eventId\":\"e{dayOffset}-{i}\",\"userId\":\"{events[i].User}\",\"type\":\"{events[i].Type}\",\"timestamp\":\"{at}\",\"productId\":\"p{i}\",\"categoryId\":\"{events[i].Category}\"}}\n");
            }

            set.AddPart(day, MerchantId.Parse("m"), Encoding.UTF8.GetBytes(lines.ToString()), LogMapping.Default);
        }

        Part(0, ("u1", "view", "c1"), ("u2", "view", "c2"));
        Part(3, ("u1", "purchase", "c1"), ("u1", "view", "c2"));
        Part(4, ("u1", "view", "c1"), ("u1", "view", "c1"), ("u2", "purchase", "c2"));
        Part(5, ("u1", "purchase", "c1"), ("u2", "purchase", "c1"));
        return set;
    }

    [Fact]
    public void Sequences_of_exported_pairs_end_the_day_before_the_cutoff_are_zero_padded_before_the_data_and_never_see_the_horizon()
    {
        var logs = Logs();
        var data = logs.Build("m", [First.AddDays(5)], horizonDays: 2).Single();

        var sequences = PairSequence.Build(logs, data);

        sequences.Length.ShouldBe(data.Rows.Count * PairSequence.Length);
        var u1 = data.Users.FindIndex(u => u.User.UserId == "u1");
        var row = Enumerable.Range(0, data.Rows.Count).Single(i => data.UserIndex[i] == u1 && data.Categories[i] == "c1");
        data.Labels[row].ShouldBeTrue("u1 buys c1 in the horizon");
        var last = PairSequence.Days - 1;
        sequences.AsSpan(row * PairSequence.Length, PairSequence.Length).ToArray().ShouldBe(Expected(
            (last - 4, [L(1), 0, 0, 0, 0, 0, L(1), 0]),
            (last - 1, [0, 0, 0, 0, 0, L(1), L(2), L(1)]),
            (last, [L(2), 0, 0, 0, 0, 0, L(2), 0])));
    }

    [Fact]
    public void Per_day_activity_of_days_merged_into_the_early_aggregate_is_refused_rather_than_misread()
    {
        var logs = Logs(collapseBefore: First.AddDays(4));
        var data = logs.Build("m", [First.AddDays(5)], horizonDays: 2).Single();

        Should.Throw<InvalidOperationException>(() => PairSequence.Build(logs, data)).Message.ShouldContain("merged");
        logs.Activity(First.AddDays(4), "u1").ShouldNotBeNull();
    }
}
