using Demand.Core.Identifiers;
using Demand.Core.Events;
using Demand.Core.Features;
using Demand.Core.Ingestion;
using Demand.Core.Storage;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;

namespace Demand.Infrastructure.Tests.Cosmos;

public sealed class FeatureStoreTests(CosmosServerFixture server)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Merging_the_same_part_twice_reports_already_merged_and_keeps_the_counts()
    {
        var store = new CosmosFeatureStore(await server.CreateDatabaseAsync());
        var partial = Partial("u1", views: 3);

        (await store.MergeAsync("part-a", partial, Ct)).Outcome.ShouldBe(MergeOutcome.Merged);
        (await store.MergeAsync("part-a", partial, Ct)).Outcome.ShouldBe(MergeOutcome.AlreadyMerged);

        var stored = await store.GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct);
        stored!.EventCount.ShouldBe(3);
        stored.MergedParts.ShouldBe(["part-a"]);
    }

    [Fact]
    public async Task Concurrent_merges_of_different_parts_into_one_user_all_land_once()
    {
        var store = new CosmosFeatureStore(await server.CreateDatabaseAsync());

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => store.MergeAsync("part-" + (i % 6), Partial("u1", views: 2), Ct)));

        outcomes.Count(o => o.Outcome == MergeOutcome.Merged).ShouldBe(6);
        var stored = await store.GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct);
        stored!.EventCount.ShouldBe(12);
        stored.MergedParts.Order().ShouldBe(Enumerable.Range(0, 6).Select(i => "part-" + i));
    }

    [Fact]
    public async Task Concurrent_real_time_batches_sharing_event_ids_count_each_event_once()
    {
        var store = new CosmosFeatureStore(await server.CreateDatabaseAsync());

        // Twelve overlapping retries of the same storefront stream, racing on one document (412s and re-applies).
        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => store.MergeAsync(null, Identified("u1", from: i % 4, count: 6), Ct)));

        var stored = await store.GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct);
        stored!.EventCount.ShouldBe(9, "ids e0…e8, each once");
        results.Sum(r => r.Events.Counted).ShouldBe(9);
        results.Sum(r => r.Events.Duplicates.Count).ShouldBe((12 * 6) - 9);
        stored.MergedParts.ShouldBeEmpty("real-time batches leave no part in the ledger");
        stored.EventIds.Count.ShouldBe(9);
    }

    [Fact]
    public async Task Features_of_one_merchant_are_invisible_to_another()
    {
        var store = new CosmosFeatureStore(await server.CreateDatabaseAsync());
        await store.MergeAsync("p", Partial("u1", views: 1), Ct);

        (await store.GetAsync(MerchantId.Parse("m2"), UserId.Parse("u1"), Ct)).ShouldBeNull();
        (await store.DeleteAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct)).ShouldBeTrue();
        (await store.GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task A_stored_mapping_and_a_report_read_back_by_id_and_only_for_their_merchant()
    {
        var store = new CosmosIngestionStore(await server.CreateDatabaseAsync());
        await store.SaveMappingAsync(MerchantId.Parse("m1"), LogMapping.Taobao, Ct);
        await store.SaveReportAsync(new IngestionReport { MerchantId = "m1", PartId = "abc", BlobName = "a/b.jsonl", LinesRead = 5, Accepted = 4, Rejected = 1 }, Ct);

        var mapping = await store.GetMappingAsync(MerchantId.Parse("m1"), Ct);
        (mapping.Name, mapping.Header, mapping.Columns["timestamp"].GetInt32(), mapping.Types["buy"]).ShouldBe((LogMapping.TaobaoName, false, 4, "purchase"));
        (await store.GetMappingAsync(MerchantId.Parse("m2"), Ct)).Name.ShouldBe(LogMapping.DefaultName);
        (await store.GetReportAsync(MerchantId.Parse("m1"), "abc", Ct))!.Accepted.ShouldBe(4);
        (await store.GetReportAsync(MerchantId.Parse("m2"), "abc", Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Tombstone_ids_are_loaded_for_one_merchant_only()
    {
        var cosmos = await server.CreateDatabaseAsync();
        await cosmos.Insights.UpsertItemAsync(new { id = Tombstones.Id(MerchantId.Parse("m1"), UserId.Parse("u1")), merchantId = "m1", type = "tombstone" }, DemandCosmos.MerchantKey("m1"), cancellationToken: Ct);
        await cosmos.Insights.UpsertItemAsync(new { id = Tombstones.Id(MerchantId.Parse("m2"), UserId.Parse("u1")), merchantId = "m2", type = "tombstone" }, DemandCosmos.MerchantKey("m2"), cancellationToken: Ct);
        await cosmos.Insights.UpsertItemAsync(new { id = "ingestion.x", merchantId = "m1", type = "ingestionReport" }, DemandCosmos.MerchantKey("m1"), cancellationToken: Ct);

        var ids = await new CosmosIngestionStore(cosmos).GetTombstonesAsync(MerchantId.Parse("m1"), Ct);

        ids.ShouldBe([Tombstones.Id(MerchantId.Parse("m1"), UserId.Parse("u1"))]);
    }

    [Fact]
    public async Task Reading_a_merchants_features_returns_every_shopper_past_the_emulators_default_page()
    {
        var db = await server.CreateDatabaseAsync();
        var store = new CosmosFeatureStore(db);
        await Parallel.ForEachAsync(Enumerable.Range(0, 1_200), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Ct }, async (i, ct) =>
            await store.MergeAsync("part", Partial("u" + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture), views: 1), ct));

        var users = await Demand.Infrastructure.Scoring.MerchantStatsProvider.ReadFeaturesAsync(db, "m1", Ct);

        users.Select(u => u.UserId).Distinct().Count().ShouldBe(1_200);
    }

    private static UserFeatures Identified(string userId, int from, int count)
    {
        var aggregator = new FeatureAggregator("m1");
        for (var i = from; i < from + count; i++)
        {
            aggregator.Add(new BehaviourEvent { EventId = "e" + i, UserId = userId, Type = EventType.View, Timestamp = T0.AddHours(i), ProductId = "p", CategoryId = "c" }, i - from);
        }

        return aggregator.Partials.Single();
    }

    private static UserFeatures Partial(string userId, int views) =>
        FeatureAggregator.Aggregate("m1", Enumerable.Range(0, views).Select(i => new BehaviourEvent
        {
            UserId = userId, Type = EventType.View, Timestamp = T0.AddHours(i), ProductId = "p", CategoryId = "c",
        })).Single();
}
