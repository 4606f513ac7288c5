using System.Text.Json;
using Demand.Core.Events;
using Demand.Core.Features;
using Demand.Core.Ingestion;

namespace Demand.Core.Tests.Features;

public sealed class EventIdWindowTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static BehaviourEvent Event(string id, int hour, EventType type = EventType.View, string category = "c", string? user = "u1") => new()
    {
        EventId = id, UserId = user!, Type = type, Timestamp = T0.AddHours(hour), ProductId = "p", CategoryId = category,
        Price = type == EventType.Purchase ? 10 : null, Query = type == EventType.Search ? "boots " + id : null,
    };

    private static UserFeatures Batch(params BehaviourEvent[] events)
    {
        var aggregator = new FeatureAggregator("m1");
        for (var i = 0; i < events.Length; i++)
        {
            aggregator.Add(events[i], i);
        }

        return aggregator.Partials.Single();
    }

    private static UserFeatures Stored() => UserFeatures.Create("m1", "u1");

    [Fact]
    public void A_batch_resent_with_one_more_event_counts_only_the_new_event()
    {
        var state = Stored();
        state.MergeCounted(Batch(Event("e1", 1), Event("e2", 2)), countUncheckable: false).Counted.ShouldBe(2);

        var again = state.MergeCounted(Batch(Event("e1", 1), Event("e2", 2), Event("e3", 3, EventType.Purchase)), countUncheckable: false);

        again.Counted.ShouldBe(1);
        again.Duplicates.ShouldBe([0, 1]);
        state.EventCount.ShouldBe(3);
        state.Categories["c"].Counts[(int)EventType.View].ShouldBe(2);
        state.Categories["c"].Counts[(int)EventType.Purchase].ShouldBe(1);
    }

    [Fact]
    public void The_state_after_duplicates_equals_the_state_of_each_event_once()
    {
        var events = Enumerable.Range(0, 40).Select(i => Event("e" + i, i * 5, (EventType)(i % 4), "c" + (i % 3))).ToArray();
        var once = Stored();
        once.MergeCounted(Batch(events), countUncheckable: false);

        var replayed = Stored();
        replayed.MergeCounted(Batch(events[..25]), countUncheckable: false);
        replayed.MergeCounted(Batch(events[10..]), countUncheckable: false);
        replayed.MergeCounted(Batch(events[5..30]), countUncheckable: false);

        replayed.EventCount.ShouldBe(once.EventCount);
        foreach (var (category, activity) in once.Categories)
        {
            replayed.Categories[category].Counts.ShouldBe(activity.Counts);
            replayed.Categories[category].Decayed.ShouldBe(activity.Decayed, tolerance: 1e-9);
            replayed.Categories[category].Spend.ShouldBe(activity.Spend, tolerance: 1e-9);
        }

        replayed.Searches.Order(StringComparer.Ordinal).ShouldBe(once.Searches.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Events_without_ids_in_a_partial_with_duplicates_are_still_counted()
    {
        var state = Stored();
        state.MergeCounted(Batch(Event("e1", 1)), countUncheckable: true);
        var aggregator = new FeatureAggregator("m1");
        aggregator.Add(Event("", 2));           // no id, before any identified event
        aggregator.Add(Event("e1", 1), 1);      // counted before
        aggregator.Add(Event("", 3));           // no id, after

        var result = state.MergeCounted(aggregator.Partials.Single(), countUncheckable: true);

        result.Duplicates.ShouldBe([1]);
        state.EventCount.ShouldBe(3);
    }

    [Fact]
    public void A_replayed_event_older_than_the_window_is_refused_in_real_time_and_counted_from_a_log()
    {
        var state = Stored();
        state.MergeCounted(Batch(Event("old", 0)), countUncheckable: false);
        state.MergeCounted(Batch(Event("new", 24 * 45)), countUncheckable: false);
        state.EventIds.Floor.ShouldBe(T0.AddHours(24 * 45).ToUnixTimeSeconds() - (long)EventIdWindow.Window.TotalSeconds);

        var realtime = state.MergeCounted(Batch(Event("old", 0)), countUncheckable: false);
        realtime.Unverifiable.ShouldBe([0]);
        state.EventCount.ShouldBe(2);

        var log = state.MergeCounted(Batch(Event("older", 1)), countUncheckable: true);
        log.Counted.ShouldBe(1);
        state.EventCount.ShouldBe(3);
    }

    [Fact]
    public void The_window_keeps_at_most_the_newest_ids_and_moves_its_floor_past_the_ones_it_forgot()
    {
        var window = new EventIdWindow();
        for (var i = 0; i < EventIdWindow.MaxIds + 100; i++)
        {
            window.Add((ulong)i, T0.ToUnixTimeSeconds() + i);
        }

        window.Trim(T0.ToUnixTimeSeconds() + EventIdWindow.MaxIds + 100);

        window.Count.ShouldBe(EventIdWindow.MaxIds);
        window.Contains(99).ShouldBeFalse();
        window.Contains(100).ShouldBeTrue();
        window.Covers(T0.ToUnixTimeSeconds() + 99).ShouldBeFalse();
        window.Covers(T0.ToUnixTimeSeconds() + 100).ShouldBeTrue();
    }

    [Fact]
    public void The_window_survives_a_round_trip_through_the_stored_document()
    {
        var state = Stored();
        state.MergeCounted(Batch(Event("e1", 1), Event("e2", 2)), countUncheckable: false);

        var json = JsonSerializer.Serialize(state);
        var read = JsonSerializer.Deserialize<UserFeatures>(json)!;

        read.EventIds.Count.ShouldBe(2);
        read.EventIds.Contains(EventIdWindow.HashOf("e2")).ShouldBeTrue();
        read.MergeCounted(Batch(Event("e2", 2)), countUncheckable: false).Duplicates.ShouldBe([0]);
        json.Length.ShouldBeLessThan(2_000, "two ids cost about 32 bytes, not a list of strings");
    }

    [Fact]
    public void A_log_part_keeps_only_ids_and_is_read_again_with_its_events_for_a_shopper_who_has_one_already()
    {
        var line = """{"eventId":"order-77","userId":"u1","type":"purchase","timestamp":"2026-11-01T10:00:00Z","productId":"p","categoryId":"c","price":5}""" + "\n" +
                   """{"eventId":"view-78","userId":"u1","type":"view","timestamp":"2026-11-01T11:00:00Z","productId":"p","categoryId":"c"}""" + "\n";
        var bytes = System.Text.Encoding.UTF8.GetBytes(line);
        var merchant = Demand.Core.Identifiers.MerchantId.Parse("m1");
        var state = Stored();
        state.MergeCounted(Batch(Event("order-77", 10, EventType.Purchase)), countUncheckable: false);

        var first = new LogIngestor(LogMapping.Default, now: T0.AddDays(1)).Ingest(merchant, "part1", "day.jsonl", bytes).Users["u1"];
        first.Identified.ShouldBeNull("a first read keeps 16 bytes an event, not the events");
        state.MergeCounted(first, countUncheckable: true).NeedsEvents.ShouldBeTrue();
        state.EventCount.ShouldBe(1, "nothing merged until the events are at hand");

        var again = new LogIngestor(LogMapping.Default, now: T0.AddDays(1)) { OnlyUsers = new HashSet<string> { "u1" } }.Ingest(merchant, "part1", "day.jsonl", bytes).Users["u1"];
        var result = state.MergeCounted(again, countUncheckable: true);

        result.Duplicates.Count.ShouldBe(1, "the same id hash in a log line and in the API");
        result.Counted.ShouldBe(1);
        state.EventCount.ShouldBe(2);
    }
}
