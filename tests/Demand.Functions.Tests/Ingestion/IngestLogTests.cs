using System.IO.Compression;
using System.Net;
using System.Text;
using Demand.Core.Ingestion;
using Demand.Core.Messaging;
using Demand.Core.Storage;
using Demand.Testing;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Tests.Ingestion;

public sealed class IngestLogTests(CosmosServerFixture server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_bad_line_of_a_json_part_is_quarantined_with_its_exact_reason_and_the_lines_add_up()
    {
        await using var harness = await IngestionHarness.StartAsync(server);
        var good1 = Logs.Event("e1", "u1", "view", extra: ",\"productId\":\"p1\",\"categoryId\":\"c1\"");
        var good2 = Logs.Event("e2", "u2", "purchase", extra: ",\"productId\":\"p1\",\"categoryId\":\"c1\",\"price\":12.5");
        var unknown = Logs.Event("e3", "u1", "teleport");
        var future = Logs.Event("e4", "u1", "view", timestamp: "2030-01-01T00:00:00Z");
        var duplicate = Logs.Event("e1", "u1", "view", extra: ",\"productId\":\"p1\",\"categoryId\":\"c1\"");
        var huge = Logs.Event("e5", "u3", "review", extra: ",\"productId\":\"p1\",\"text\":\"" + new string('z', 200 * 1024) + "\"");
        var bytes = new List<byte>(Encoding.UTF8.GetPreamble());
        foreach (var line in new[] { good1, good2, unknown, future, duplicate, huge })
        {
            bytes.AddRange(Encoding.UTF8.GetBytes(line + "\r\n"));
        }

        bytes.AddRange([(byte)'{', 0xFF, 0xFE, (byte)'}', (byte)'\r', (byte)'\n']);
        bytes.AddRange(Encoding.UTF8.GetBytes("{\"eventId\":\"e9\",\"userId\":\"u4\",\"ty"));

        var call = await harness.IngestAsync("m1", "2026/11/20/part-0001.jsonl", bytes.ToArray());

        call.Status.ShouldBe(HttpStatusCode.OK);
        call.RejectLines.Select(r => (r.GetProperty("line").GetInt64(), r.GetProperty("reason").GetString())).ShouldBe([
            (3L, RejectReasons.UnknownType),
            (4L, RejectReasons.FutureTimestamp),
            (6L, RejectReasons.LineTooLong),
            (7L, RejectReasons.InvalidUtf8),
            (8L, RejectReasons.TruncatedLine),
        ]);
        call.RejectLines[0].GetProperty("raw").GetString().ShouldBe(unknown);
        call.RejectLines[2].GetProperty("raw").GetString().ShouldBe(huge);
        var report = await harness.Store.GetReportAsync("m1", call.PartId, Ct);
        report.ShouldNotBeNull();
        (report.LinesRead, report.Accepted, report.Rejected, report.Duplicates).ShouldBe((8L, 2L, 5L, 1L));
        (report.Accepted + report.Rejected + report.Duplicates).ShouldBe(report.LinesRead);
        report.Name.ShouldBe("2026/11/20/part-0001.jsonl");
        report.RejectsByReason[RejectReasons.LineTooLong].ShouldBe(1);
        report.AcceptedByType.ShouldBe(new Dictionary<string, long> { ["view"] = 1, ["purchase"] = 1 });
        (await harness.Features.GetAsync("m1", "u2", Ct))!.Categories["c1"].Spend.ShouldBe(12.5);
        (await harness.Features.GetAsync("m1", "u1", Ct))!.EventCount.ShouldBe(1);
        call.ScoreRequests.Single().UserIds.ShouldBe(["u1", "u2"]);
    }

    [Fact]
    public async Task A_gzipped_csv_part_with_quoted_fields_is_detected_by_its_bytes_and_ingested()
    {
        await using var harness = await IngestionHarness.StartAsync(server);
        var csv = "eventId,userId,type,timestamp,productId,categoryId,rating,text\n"
            + "r1,u1,review,2026-11-20T10:00:00Z,p1,c1,2,\"Strap broke, \"\"twice\"\"\nwould not buy again\"\n"
            + "r2,u2,view,2026-11-20T11:00:00Z,p1,c1,,\n"
            + "r3,u2,view,2026-11-20T11:00:00Z,p1,c1,,\"unterminated\n";
        using var gz = new MemoryStream();
        using (var zip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(Encoding.UTF8.GetBytes(csv));
        }

        var call = await harness.IngestAsync("m1", "part.csv", gz.ToArray());

        var report = await harness.Store.GetReportAsync("m1", call.PartId, Ct);
        (report!.Gzip, report.Format, report.Accepted, report.Rejected).ShouldBe((true, "csv", 2L, 1L));
        call.RejectLines.Single().GetProperty("reason").GetString().ShouldBe(RejectReasons.TruncatedLine);
        var review = call.MineRequests.Single().Reviews.Single();
        (review.ReviewId, review.Text, review.Rating).ShouldBe(("r1", "Strap broke, \"twice\"\nwould not buy again", (int?)2));
    }

    [Fact]
    public async Task A_taobao_style_part_ingests_through_the_merchants_stored_mapping_alone()
    {
        await using var harness = await IngestionHarness.StartAsync(server);
        await harness.Store.SaveMappingAsync("tb", new LogMapping { Preset = LogMapping.TaobaoPreset }, Ct);
        var text = "100,2268318,2520377,pv,1763632800\n100,2333346,2520377,buy,1763636400\n101,2576651,149192,cart,1763640000\n";

        var call = await harness.IngestAsync("tb", "UserBehavior-part1.csv", text);

        var report = await harness.Store.GetReportAsync("tb", call.PartId, Ct);
        (report!.Mapping, report.Accepted, report.Rejected, report.UsersTouched).ShouldBe(("merchant", 3L, 0L, 2));
        var features = await harness.Features.GetAsync("tb", "100", Ct);
        features!.Categories["2520377"].PurchaseTimes.ShouldBe([1763636400L]);
        features.LastSeen.ShouldBe(1763636400);
    }

    [Fact]
    public async Task Numeric_type_codes_and_hourly_local_times_ingest_through_a_mapping()
    {
        await using var harness = await IngestionHarness.StartAsync(server);
        await harness.Store.SaveMappingAsync("codes", LogMapping.Parse("""
            { "format": "csv", "delimiter": "\t", "header": true,
              "columns": { "userId": "member", "type": "action", "timestamp": "hour", "productId": "sku", "categoryId": "dept" },
              "types": { "1": "view", "3": "purchase" }, "timestampFormat": "yyyy-MM-dd HH", "timeZone": "Asia/Shanghai" }
            """u8), Ct);
        var text = "member\taction\thour\tsku\tdept\nA1\t1\t2026-11-20 08\ts1\td1\nA1\t3\t2026-11-20 09\ts1\td1\nA1\t7\t2026-11-20 09\ts1\td1\n";

        var call = await harness.IngestAsync("codes", "export.tsv", text);

        call.RejectLines.Single().GetProperty("reason").GetString().ShouldBe(RejectReasons.UnknownType);
        var features = await harness.Features.GetAsync("codes", "A1", Ct);
        features!.FirstSeen.ShouldBe(new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds());
        features.Categories["d1"].Counts[(int)Demand.Core.Events.EventType.Purchase].ShouldBe(1);
    }

    [Fact]
    public async Task Same_part_delivered_twice_changes_nothing()
    {
        await using var harness = await IngestionHarness.StartAsync(server);
        var part = Logs.Views(users: 6, perUser: 5);
        await harness.IngestAsync("m1", "p.jsonl", part);
        var first = await Task.WhenAll(Enumerable.Range(0, 6).Select(u => harness.FeaturesJsonAsync("m1", "u" + u)));

        var again = await harness.IngestAsync("m1", "p.jsonl", part);

        var second = await Task.WhenAll(Enumerable.Range(0, 6).Select(u => harness.FeaturesJsonAsync("m1", "u" + u)));
        second.ShouldBe(first);
        var report = await harness.Store.GetReportAsync("m1", again.PartId, Ct);
        (report!.UsersMerged, report.UsersAlreadyMerged).ShouldBe((0, 6));
    }

    [Fact]
    public async Task A_crash_half_way_then_the_hosts_retry_leaves_the_same_features_as_one_clean_run()
    {
        var part = Logs.Views(users: 20, perUser: 7);
        await using var clean = await IngestionHarness.StartAsync(server);
        (await clean.IngestAsync("m1", "day.jsonl", part)).Status.ShouldBe(HttpStatusCode.OK);
        await using var crashing = await IngestionHarness.StartAsync(server, s => s.AddSingleton<IIngestionProbe>(new CrashOnceProbe(afterMerged: 3)));

        var failed = await crashing.IngestAsync("m1", "day.jsonl", part);
        var mergedBeforeRetry = (await Task.WhenAll(Enumerable.Range(0, 20).Select(u => crashing.FeaturesJsonAsync("m1", "u" + u)))).Count(f => f is not null);
        var retried = await crashing.IngestAsync("m1", "day.jsonl", part);

        failed.Status.ShouldBe(HttpStatusCode.InternalServerError);
        mergedBeforeRetry.ShouldBeInRange(3, 19);
        retried.Status.ShouldBe(HttpStatusCode.OK);
        for (var u = 0; u < 20; u++)
        {
            (await crashing.FeaturesJsonAsync("m1", "u" + u)).ShouldBe(await clean.FeaturesJsonAsync("m1", "u" + u), "user u" + u);
        }

        var report = await crashing.Store.GetReportAsync("m1", retried.PartId, Ct);
        (report!.UsersMerged + report.UsersAlreadyMerged).ShouldBe(20);
        report.UsersAlreadyMerged.ShouldBe(mergedBeforeRetry);
        retried.ScoreRequests.Sum(r => r.UserIds.Count).ShouldBe(20, "the failed attempt's outputs were discarded, so the retry schedules everyone");
    }

    [Fact]
    public async Task A_corrupt_gzip_part_changes_no_state_and_its_report_says_why()
    {
        await using var harness = await IngestionHarness.StartAsync(server);
        var junk = new byte[] { 0x1F, 0x8B, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

        var call = await harness.IngestAsync("m1", "broken.jsonl.gz", junk);

        call.Status.ShouldBe(HttpStatusCode.OK);
        call.ScoreMessages.ShouldBeEmpty();
        call.Rejects.ShouldBeEmpty();
        var report = await harness.Store.GetReportAsync("m1", call.PartId, Ct);
        (report!.Status, report.Error).ShouldBe(("unreadable", UnreadableLogException.CorruptGzip));
    }

    [Fact]
    public async Task An_erased_users_events_are_suppressed_and_not_scored()
    {
        await using var harness = await IngestionHarness.StartAsync(server);
        await harness.Cosmos.Insights.UpsertItemAsync(
            new { id = Tombstones.Id("m1", "u1"), merchantId = "m1", type = Tombstones.DocumentType },
            new PartitionKey("m1"),
            cancellationToken: Ct);
        await harness.Cosmos.Insights.UpsertItemAsync(
            new { id = Tombstones.Id("m2", "u2"), merchantId = "m2", type = Tombstones.DocumentType },
            new PartitionKey("m2"),
            cancellationToken: Ct);

        var call = await harness.IngestAsync("m1", "p.jsonl", Logs.Views(users: 3, perUser: 2));

        (await harness.Features.GetAsync("m1", "u1", Ct)).ShouldBeNull();
        (await harness.Features.GetAsync("m1", "u2", Ct)).ShouldNotBeNull();
        call.ScoreRequests.Single().UserIds.ShouldBe(["u0", "u2"]);
        (await harness.Store.GetReportAsync("m1", call.PartId, Ct))!.UsersSuppressed.ShouldBe(1);
    }

    [Fact]
    public async Task Work_messages_stay_within_queue_limits()
    {
        await using var harness = await IngestionHarness.StartAsync(server);
        var lines = new StringBuilder(Logs.Views(users: 230, perUser: 1));
        for (var i = 0; i < 60; i++)
        {
            lines.Append(Logs.Event("r" + i, "u" + i, "review", extra: $",\"productId\":\"p1\",\"rating\":3,\"text\":\"{new string('w', 7000)}\"")).Append('\n');
        }

        var call = await harness.IngestAsync("m1", "big.jsonl", lines.ToString());

        call.ScoreRequests.Select(r => r.UserIds.Count).ShouldBe([100, 100, 30]);
        call.ScoreMessages.ShouldAllBe(m => m.Length < QueueLimits.MaxMessageBytes);
        call.MineRequests.Sum(r => r.Reviews.Count).ShouldBe(60);
        call.MineMessages.Count.ShouldBeGreaterThan(1);
        call.MineMessages.ShouldAllBe(m => m.Length < QueueLimits.MaxMessageBytes);
    }

    [Fact]
    public async Task A_blob_outside_a_valid_merchant_path_is_ignored_without_a_retry()
    {
        await using var harness = await IngestionHarness.StartAsync(server);

        var call = await harness.IngestAsync("bad..id", "x.jsonl", Logs.Views(1, 1));

        call.Status.ShouldBe(HttpStatusCode.OK);
        call.ScoreMessages.ShouldBeEmpty();
    }
}
