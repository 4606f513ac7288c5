using Demand.Core.Identifiers;
using Demand.Core.Scoring;
using Demand.Core.Storage;
using Demand.Functions.Tests.Infrastructure;
using Demand.Functions.Tests.Ingestion;
using Demand.Infrastructure.Cosmos;
using Demand.Infrastructure.Scoring;
using Demand.Testing;

namespace Demand.Functions.Tests.Scoring;

/// <summary>Merchant statistics under a ScoreUsers fan-out: one computation shared by concurrent callers, built by streaming.</summary>
public sealed class MerchantStatsTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Concurrent_score_batches_of_one_merchant_share_a_single_statistics_rebuild()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var part = await IngestLogTests.IngestAsync(app, "m1", "d/part.jsonl", IngestLogTests.Log(60));
        var provider = app.Get<MerchantStatsProvider>();

        // What a part's fan-out does: every score-request message of the part scores its users at once.
        var scorer = app.Get<IProfileScorer>();
        await Task.WhenAll(Enumerable.Range(0, 12).Select(i => scorer.ScoreAsync(MerchantId.Parse("m1"), [UserId.Parse($"u{i}"), UserId.Parse($"u{i + 12}")], part.Report.LastEventAt!.Value, Ct)));

        provider.Loads.ShouldBe(1, "twelve concurrent batches, one load-or-rebuild of m1's statistics");
        var stored = await CosmosDocuments.ReadAsync<MerchantStats>(app.Db.Insights, MerchantStats.DocumentId, DemandCosmos.MerchantKey("m1"), Ct);
        stored.ShouldNotBeNull().Users.ShouldBe(60);
    }

    [Fact]
    public async Task Statistics_built_by_streaming_the_merchants_shoppers_equal_those_built_from_the_full_list()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        await IngestLogTests.IngestAsync(app, "m1", "d/part.jsonl", IngestLogTests.Log(40));
        await IngestLogTests.IngestAsync(app, "m2", "d/part.jsonl", IngestLogTests.Log(7));
        var provider = app.Get<MerchantStatsProvider>();
        var users = await MerchantStatsProvider.ReadFeaturesAsync(app.Db, "m1", Ct);

        var streamed = await provider.RebuildAsync("m1", Ct);
        var listed = MerchantStats.Build("m1", users, MerchantStats.DataTime(users));

        streamed.Users.ShouldBe(40, "only m1's shoppers");
        streamed.AsOf.ShouldBe(MerchantStats.DataTime(users), "as of the merchant's data time, found by a projection");
        streamed.Popularity.ShouldBe(listed.Popularity);
        streamed.Trend.ShouldBe(listed.Trend);
        streamed.Lift.Keys.ShouldBe(listed.Lift.Keys, ignoreOrder: true);
    }
}
