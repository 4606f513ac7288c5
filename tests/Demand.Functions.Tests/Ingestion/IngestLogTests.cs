using Demand.Core.Identifiers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Demand.Core;
using Demand.Core.Ingestion;
using Demand.Core.Messaging;
using Demand.Core.Storage;
using Demand.Functions.Ingestion;
using Demand.Functions.Tests.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Tests.Ingestion;

/// <summary>
/// IngestLog's use case (<see cref="IngestPart"/>) on real Cosmos: what a part leaves behind and what it returns for
/// the queues. The blob trigger itself (streaming from storage, output bindings written on success, the quarantine
/// blob) runs end to end through the local Functions host.
/// </summary>
public sealed class IngestLogTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A day of events for <paramref name="users"/> users (views, carts, purchases, a review each) plus two bad rows.</summary>
    internal static byte[] Log(int users, string day = "2026-11-20")
    {
        var sb = new StringBuilder();
        for (var u = 0; u < users; u++)
        {
            sb.Append($$"""{"eventId":"v{{u}}","userId":"u{{u}}","type":"view","timestamp":"{{day}}T08:00:00Z","productId":"p{{u % 5}}","categoryId":"c{{u % 3}}"}""").Append('\n');
            sb.Append($$"""{"eventId":"c{{u}}","userId":"u{{u}}","type":"cart_add","timestamp":"{{day}}T08:05:00Z","productId":"p{{u % 5}}","categoryId":"c{{u % 3}}"}""").Append('\n');
            sb.Append($$"""{"eventId":"b{{u}}","userId":"u{{u}}","type":"purchase","timestamp":"{{day}}T08:10:00Z","productId":"p{{u % 5}}","categoryId":"c{{u % 3}}","price":9.5}""").Append('\n');
            sb.Append($$"""{"eventId":"r{{u}}","userId":"u{{u}}","type":"review","timestamp":"{{day}}T09:00:00Z","productId":"p{{u % 5}}","categoryId":"c{{u % 3}}","rating":2,"text":"Battery dies by noon, wish it lasted longer"}""").Append('\n');
        }

        sb.Append("""{"eventId":"bad1","userId":"u0","type":"teleport","timestamp":"2026-11-20T08:00:00Z"}""").Append('\n');
        sb.Append("not json\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    internal static Task<IngestPartResult> IngestAsync(TestApp app, string merchantId, string name, byte[] content) =>
        app.Get<IngestPart>().RunAsync(MerchantId.Parse(merchantId), name, new MemoryStream(content, writable: false), content.Length, Ct);

    private static async Task<Dictionary<string, string>> FeatureDocumentsAsync(DemandCosmos db, string merchantId, int users)
    {
        var result = new Dictionary<string, string>();
        var store = new CosmosFeatureStore(db);
        for (var u = 0; u < users; u++)
        {
            var doc = await store.GetAsync(MerchantId.Parse(merchantId), UserId.Parse("u" + u), Ct);
            if (doc is not null)
            {
                doc.ETag = null;
                result["u" + u] = JsonSerializer.Serialize(doc, DemandJson.Options);
            }
        }

        return result;
    }

    [Fact]
    public async Task A_log_part_becomes_features_score_and_mine_work_quarantined_rows_and_a_report()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);

        var result = await IngestAsync(app, "m1", "2026-11-20/part-1.jsonl", Log(120));

        var score = result.ScoreRequests;
        score.Count.ShouldBe(2, "120 users in batches of at most 100");
        score.ShouldAllBe(s => s.UserIds.Count <= ScoreRequest.MaxUsers);
        score.SelectMany(s => s.UserIds).Distinct().Count().ShouldBe(120);
        score.ShouldAllBe(s => s.MerchantId == "m1" && s.Cause == ScoreCause.Ingest && s.PartId == result.Report.PartId);
        var mine = result.MineRequests.Select(m => JsonSerializer.Serialize(m, DemandJson.Options)).ToList();
        mine.ShouldNotBeEmpty();
        mine.ShouldAllBe(m => Encoding.UTF8.GetByteCount(m) < QueueLimits.MaxMessageBytes);
        mine.ShouldAllBe(m => Encoding.UTF8.GetByteCount(m) < 64 * 1024);
        result.MineRequests.SelectMany(r => r.Reviews).Count().ShouldBe(120);
        var rejects = app.Quarantine.Rows("m1", "2026-11-20/part-1.jsonl").ShouldNotBeNull();
        rejects.Select(r => JsonDocument.Parse(r).RootElement.GetProperty("reason").GetString()).ShouldBe(["unknown_type", "invalid_json"]);

        var features = await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u7"), Ct);
        features!.Categories["c1"].Counts[(int)Core.Events.EventType.Purchase].ShouldBe(1);
        var report = await new CosmosIngestionStore(app.Db).GetReportAsync(MerchantId.Parse("m1"), result.Report.PartId, Ct);
        report!.Accepted.ShouldBe(480);
        report.Rejected.ShouldBe(2);
        report.LinesRead.ShouldBe(482);
        report.UsersMerged.ShouldBe(120);
        report.ScoreMessages.ShouldBe(2);
        report.MineMessages.ShouldBe(result.MineRequests.Count);
        report.AccountingHolds.ShouldBeTrue();
    }

    [Fact]
    public async Task Reviews_of_a_large_part_are_split_into_mine_messages_under_the_queue_limit()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);

        var result = await IngestAsync(app, "m1", "big.jsonl", Log(600));

        result.MineRequests.Count.ShouldBeGreaterThan(1);
        result.MineRequests.ShouldAllBe(m => Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(m, DemandJson.Options)) < QueueLimits.MaxMessageBytes);
        result.MineRequests.SelectMany(r => r.Reviews).Select(r => r.ReviewId).Distinct().Count().ShouldBe(600);
        result.ScoreRequests.Count.ShouldBe(6);
    }

    [Fact]
    public async Task The_same_part_delivered_twice_changes_nothing()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var log = Log(30);

        var once = await IngestAsync(app, "m1", "d/part.jsonl", log);
        var first = await FeatureDocumentsAsync(app.Db, "m1", 30);
        var twice = await IngestAsync(app, "m1", "d/part.jsonl", log);
        var second = await FeatureDocumentsAsync(app.Db, "m1", 30);

        first.Count.ShouldBe(30);
        second.ShouldBe(first);
        twice.Report.PartId.ShouldBe(once.Report.PartId);
        twice.Report.UsersMerged.ShouldBe(0);
        twice.Report.UsersAlreadyMerged.ShouldBe(30);
    }

    [Fact]
    public async Task A_crash_after_some_users_merged_and_the_hosts_retry_leave_state_identical_to_one_clean_run()
    {
        var log = Log(40);
        await using var clean = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        await IngestAsync(clean, "m1", "d/part.jsonl", log);

        var hooks = new FailOnceAfter(7);
        await using var crashed = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct, services: s => s.AddSingleton<IIngestionHooks>(hooks));
        await Should.ThrowAsync<InvalidOperationException>(() => IngestAsync(crashed, "m1", "d/part.jsonl", log));
        var partial = await FeatureDocumentsAsync(crashed.Db, "m1", 40);
        partial.Count.ShouldBeInRange(7, 39);
        var retried = await IngestAsync(crashed, "m1", "d/part.jsonl", log);

        retried.Report.AccountingHolds.ShouldBeTrue();
        (retried.Report.UsersMerged + retried.Report.UsersAlreadyMerged).ShouldBe(40);
        retried.ScoreRequests.SelectMany(r => r.UserIds).Count().ShouldBe(40);
        var expected = await FeatureDocumentsAsync(clean.Db, "m1", 40);
        var actual = await FeatureDocumentsAsync(crashed.Db, "m1", 40);
        actual.ShouldBe(expected);
    }

    [Fact]
    public async Task An_unreadable_part_changes_no_state_and_leaves_a_report_saying_why()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var corrupt = new byte[] { 0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF, 0x00, 0x12, 0x44 };

        var result = await IngestAsync(app, "m1", "d/part.jsonl.gz", corrupt);

        result.ScoreRequests.ShouldBeEmpty();
        result.MineRequests.ShouldBeEmpty();
        var partId = IngestPart.PartId(MerchantId.Parse("m1"), "d/part.jsonl.gz", SHA256.HashData(corrupt));
        result.Report.PartId.ShouldBe(partId);
        var report = await new CosmosIngestionStore(app.Db).GetReportAsync(MerchantId.Parse("m1"), partId, Ct);
        report!.Status.ShouldBe("unreadable");
        report.Error!.ShouldContain("corrupt");
        (await FeatureDocumentsAsync(app.Db, "m1", 1)).ShouldBeEmpty();
        app.Quarantine.Writes.ShouldBe(0);
    }

    [Fact]
    public async Task A_merchant_mapping_document_makes_a_historical_taobao_file_ingest_without_code()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        // The real data set is from late 2017: the mapping's notBefore admits it past the age limit.
        await new CosmosIngestionStore(app.Db).SaveMappingAsync(MerchantId.Parse("tb"), LogMapping.Taobao with { NotBefore = new DateOnly(2017, 11, 24) }, Ct);

        var result = await IngestAsync(app, "tb", "UserBehavior.csv", "1,100,7,pv,1511544070\n1,100,7,buy,1511561733\n"u8.ToArray());

        result.ScoreRequests.ShouldHaveSingleItem().UserIds.ShouldBe(["1"]);
        (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse("tb"), UserId.Parse("1"), Ct))!.Categories["7"].Counts[(int)Core.Events.EventType.Purchase].ShouldBe(1);
    }

    [Fact]
    public async Task Erased_users_stay_erased_when_an_old_log_mentioning_them_is_replayed()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        await app.Db.Insights.UpsertItemAsync(new { id = Tombstones.Id(MerchantId.Parse("m1"), UserId.Parse("u1")), merchantId = "m1", type = Tombstones.DocumentType }, DemandCosmos.MerchantKey("m1"), cancellationToken: Ct);

        var result = await IngestAsync(app, "m1", "old.jsonl", Log(3));

        (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct)).ShouldBeNull();
        (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u2"), Ct)).ShouldNotBeNull();
        result.ScoreRequests.SelectMany(r => r.UserIds).ShouldNotContain("u1");
        result.ScoreRequests.SelectMany(r => r.UserIds).ShouldContain("u2");
        result.MineRequests.SelectMany(r => r.Reviews).ShouldNotContain(r => r.UserId == "u1");
        app.Quarantine.Rows("m1", "old.jsonl").ShouldNotBeNull().ShouldNotContain(r => r.Contains("Battery", StringComparison.Ordinal));
    }

    private sealed class FailOnceAfter(int merges) : IIngestionHooks
    {
        private int _failed;

        public void AfterUserMerged(string merchantId, string userId, int mergedSoFar)
        {
            if (mergedSoFar >= merges && Interlocked.Exchange(ref _failed, 1) == 0)
            {
                throw new InvalidOperationException("injected crash after " + mergedSoFar + " merges");
            }
        }
    }
}
