using System.Net;
using System.Text;
using System.Text.Json;
using Demand.Core;
using Demand.Core.Features;
using Demand.Core.Ingestion;
using Demand.Core.Messaging;
using Demand.Core.Storage;
using Demand.Functions.Tests.Infrastructure;
using Demand.Functions.Triggers.IngestLog;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Tests.Ingestion;

public sealed class IngestLogTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A day of events for <paramref name="users"/> users (views, carts, purchases, a review each) plus two bad rows.</summary>
    private static byte[] Log(int users, string day = "2026-11-20")
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

    private static async Task<Dictionary<string, string>> FeatureDocumentsAsync(DemandCosmos db, string merchantId, int users)
    {
        var result = new Dictionary<string, string>();
        var store = new CosmosFeatureStore(db);
        for (var u = 0; u < users; u++)
        {
            var doc = await store.GetAsync(merchantId, "u" + u, Ct);
            if (doc is not null)
            {
                doc.ETag = null;
                result["u" + u] = JsonSerializer.Serialize(doc, DemandJson.Options);
            }
        }

        return result;
    }

    [Fact]
    public async Task A_log_part_becomes_features_score_and_mine_work_a_quarantine_blob_and_a_report()
    {
        var options = cosmos.NewDatabaseOptions();
        await using var factory = new HandlerFactory(options);
        using var client = factory.CreateHttpClient();

        var (status, response) = await Invocations.BlobAsync(client, "m1", "2026-11-20/part-1.jsonl", Log(120), Ct);

        status.ShouldBe(HttpStatusCode.OK);
        var score = response!.Messages(IngestLogFunction.ScoreQueueBinding).Select(m => JsonSerializer.Deserialize<ScoreRequest>(m, DemandJson.Options)!).ToList();
        score.Count.ShouldBe(2, "120 users in batches of at most 100");
        score.SelectMany(s => s.UserIds).Distinct().Count().ShouldBe(120);
        score.ShouldAllBe(s => s.MerchantId == "m1" && s.Cause == ScoreCause.Ingest);
        var mine = response!.Messages(IngestLogFunction.MineQueueBinding);
        mine.ShouldAllBe(m => Encoding.UTF8.GetByteCount(m) < QueueLimits.MaxMessageBytes);
        mine.Select(m => JsonSerializer.Deserialize<MineRequest>(m, DemandJson.Options)!).SelectMany(r => r.Reviews).Count().ShouldBe(120);
        var rejects = response!.Blob(IngestLogFunction.RejectsBinding)!.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        rejects.Select(r => JsonDocument.Parse(r).RootElement.GetProperty("reason").GetString()).ShouldBe(["unknown_type", "invalid_json"]);

        var db = await cosmos.CreateDatabaseAsync(options);
        var features = await new CosmosFeatureStore(db).GetAsync("m1", "u7", Ct);
        features!.Categories["c1"].Counts[(int)Core.Events.EventType.Purchase].ShouldBe(1);
        var partId = score[0].PartId!;
        var report = await new CosmosIngestionStore(db).GetReportAsync("m1", partId, Ct);
        report!.Accepted.ShouldBe(480);
        report.Rejected.ShouldBe(2);
        report.LinesRead.ShouldBe(482);
        report.UsersMerged.ShouldBe(120);
        report.AccountingHolds.ShouldBeTrue();
    }

    [Fact]
    public async Task The_same_part_delivered_twice_changes_nothing()
    {
        var options = cosmos.NewDatabaseOptions();
        await using var factory = new HandlerFactory(options);
        using var client = factory.CreateHttpClient();
        var log = Log(30);

        await Invocations.BlobAsync(client, "m1", "d/part.jsonl", log, Ct);
        var db = await cosmos.CreateDatabaseAsync(options);
        var first = await FeatureDocumentsAsync(db, "m1", 30);
        var (status, _) = await Invocations.BlobAsync(client, "m1", "d/part.jsonl", log, Ct);
        var second = await FeatureDocumentsAsync(db, "m1", 30);

        status.ShouldBe(HttpStatusCode.OK);
        first.Count.ShouldBe(30);
        second.ShouldBe(first);
    }

    [Fact]
    public async Task A_crash_after_some_users_merged_and_the_hosts_retry_leave_state_identical_to_one_clean_run()
    {
        var log = Log(40);
        var clean = cosmos.NewDatabaseOptions();
        await using (var factory = new HandlerFactory(clean))
        {
            using var client = factory.CreateHttpClient();
            (await Invocations.BlobAsync(client, "m1", "d/part.jsonl", log, Ct)).Status.ShouldBe(HttpStatusCode.OK);
        }

        var crashed = cosmos.NewDatabaseOptions();
        var hooks = new FailOnceAfter(7);
        await using (var factory = new HandlerFactory(crashed, configureServices: s => s.AddSingleton<IIngestionHooks>(hooks)))
        {
            using var client = factory.CreateHttpClient();
            (await Invocations.BlobAsync(client, "m1", "d/part.jsonl", log, Ct)).Status.ShouldBe(HttpStatusCode.InternalServerError);
            var partial = await FeatureDocumentsAsync(await cosmos.CreateDatabaseAsync(crashed), "m1", 40);
            partial.Count.ShouldBeInRange(7, 39);
            (await Invocations.BlobAsync(client, "m1", "d/part.jsonl", log, Ct)).Status.ShouldBe(HttpStatusCode.OK);
        }

        var expected = await FeatureDocumentsAsync(await cosmos.CreateDatabaseAsync(clean), "m1", 40);
        var actual = await FeatureDocumentsAsync(await cosmos.CreateDatabaseAsync(crashed), "m1", 40);
        actual.ShouldBe(expected);
    }

    [Fact]
    public async Task An_unreadable_part_changes_no_state_and_leaves_a_report_saying_why()
    {
        var options = cosmos.NewDatabaseOptions();
        await using var factory = new HandlerFactory(options);
        using var client = factory.CreateHttpClient();
        var corrupt = new byte[] { 0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF, 0x00, 0x12, 0x44 };

        var (status, response) = await Invocations.BlobAsync(client, "m1", "d/part.jsonl.gz", corrupt, Ct);

        status.ShouldBe(HttpStatusCode.OK);
        response!.Messages(IngestLogFunction.ScoreQueueBinding).ShouldBeEmpty();
        var db = await cosmos.CreateDatabaseAsync(options);
        var report = await new CosmosIngestionStore(db).GetReportAsync("m1", IngestLogFunction.PartId("m1", "d/part.jsonl.gz", corrupt), Ct);
        report!.Status.ShouldBe("unreadable");
        report.Error!.ShouldContain("corrupt");
        (await FeatureDocumentsAsync(db, "m1", 1)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_merchant_mapping_document_makes_a_historical_taobao_file_ingest_without_code()
    {
        var options = cosmos.NewDatabaseOptions();
        var db = await cosmos.CreateDatabaseAsync(options);
        // The real data set is from late 2017: the mapping's notBefore admits it past the age limit.
        await new CosmosIngestionStore(db).SaveMappingAsync("tb", LogMapping.Taobao with { NotBefore = new DateOnly(2017, 11, 24) }, Ct);
        await using var factory = new HandlerFactory(options);
        using var client = factory.CreateHttpClient();

        var (status, response) = await Invocations.BlobAsync(client, "tb", "UserBehavior.csv", "1,100,7,pv,1511544070\n1,100,7,buy,1511561733\n"u8.ToArray(), Ct);

        status.ShouldBe(HttpStatusCode.OK);
        response!.Messages(IngestLogFunction.ScoreQueueBinding).ShouldHaveSingleItem();
        (await new CosmosFeatureStore(db).GetAsync("tb", "1", Ct))!.Categories["7"].Counts[(int)Core.Events.EventType.Purchase].ShouldBe(1);
    }

    [Fact]
    public async Task Erased_users_stay_erased_when_an_old_log_mentioning_them_is_replayed()
    {
        var options = cosmos.NewDatabaseOptions();
        var db = await cosmos.CreateDatabaseAsync(options);
        await db.Insights.UpsertItemAsync(new { id = Tombstones.Id("m1", "u1"), merchantId = "m1", type = Tombstones.DocumentType }, DemandCosmos.MerchantKey("m1"), cancellationToken: Ct);
        await using var factory = new HandlerFactory(options);
        using var client = factory.CreateHttpClient();

        var (_, response) = await Invocations.BlobAsync(client, "m1", "old.jsonl", Log(3), Ct);

        (await new CosmosFeatureStore(db).GetAsync("m1", "u1", Ct)).ShouldBeNull();
        (await new CosmosFeatureStore(db).GetAsync("m1", "u2", Ct)).ShouldNotBeNull();
        response!.Messages(IngestLogFunction.ScoreQueueBinding).ShouldAllBe(m => !m.Contains("\"u1\"", StringComparison.Ordinal));
        response!.Blob(IngestLogFunction.RejectsBinding)!.ShouldNotContain("Battery");
    }

    [Theory]
    [InlineData("https://a.blob.core.windows.net/logs/m1/2026-11-21/part-1.jsonl.gz", "m1", "2026-11-21/part-1.jsonl.gz")]
    [InlineData("https://a.blob.core.windows.net/logs/m%2F1/x.jsonl", null, null)]
    [InlineData("https://a.blob.core.windows.net/logs/m1/../m2/x.jsonl", null, null)]
    [InlineData("https://a.blob.core.windows.net/other/m1/x.jsonl", null, null)]
    public void Merchant_and_name_come_from_the_decoded_uri_and_odd_paths_are_refused(string uri, string? merchant, string? name)
    {
        var ok = IngestLogFunction.TryParseBlobPath(uri, out var m, out var n);

        ok.ShouldBe(merchant is not null);
        if (ok)
        {
            m.ShouldBe(merchant);
            n.ShouldBe(name);
        }
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
