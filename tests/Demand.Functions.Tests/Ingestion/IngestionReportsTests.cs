using System.Text;
using System.Text.Json;
using Demand.Core.Identifiers;
using Demand.Core.Ingestion;
using Demand.Core.Storage;
using Demand.Functions.Ingestion;
using Demand.Functions.Profiles;
using Demand.Functions.Tests.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Demand.Infrastructure.Storage;
using Demand.Testing;
using Demand.Tooling.Local;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Tests.Ingestion;

/// <summary>Every failure of a part leaves a report a merchant can read and list; permanent failures complete instead of throwing.</summary>
public sealed class IngestionReportsTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<IngestPartResult> IngestAsync(TestApp app, string merchantId, string name, byte[] content) =>
        IngestLogTests.IngestAsync(app, merchantId, name, content);

    [Fact]
    public async Task A_part_over_the_size_limit_completes_with_a_failed_report_saying_the_limit_without_reading_it()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct, new Dictionary<string, string?> { ["Ingestion:MaxPartBytes"] = "4096" });
        var content = IngestLogTests.Log(100);

        var result = await IngestAsync(app, "m1", "d/huge.jsonl", content);

        result.Report.Status.ShouldBe(IngestionReport.Failed);
        result.Report.Error!.ShouldContain("parts may be at most");
        result.ScoreRequests.ShouldBeEmpty();
        var stored = await app.Get<IIngestionStore>().GetReportAsync(MerchantId.Parse("m1"), result.Report.ReportId, Ct);
        stored.ShouldNotBeNull().Status.ShouldBe(IngestionReport.Failed);
        (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u0"), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task A_stored_mapping_with_an_unknown_time_zone_fails_the_part_with_a_report_naming_the_zone_and_the_version()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        // Written around the API's validation, as an old or hand-edited document would be.
        await app.Db.Merchants.UpsertItemAsync(
            new { id = "mapping.m1", merchantId = "m1", version = 3, mapping = JsonDocument.Parse("""{"timestamp":{"format":"iso8601","timeZone":"Mars/Olympus"}}""").RootElement },
            new Microsoft.Azure.Cosmos.PartitionKey("mapping.m1"), cancellationToken: Ct);

        var result = await IngestAsync(app, "m1", "d/part.jsonl", IngestLogTests.Log(3));

        result.Report.Status.ShouldBe(IngestionReport.Failed);
        result.Report.Error!.ShouldContain("Mars/Olympus");
        result.Report.Error!.ShouldContain("version 3");
        result.Report.MappingVersion.ShouldBe(3);
        (await app.Get<IIngestionStore>().GetReportAsync(MerchantId.Parse("m1"), result.Report.ReportId, Ct)).ShouldNotBeNull();
    }

    [Fact]
    public async Task A_csv_missing_a_header_column_is_reported_as_such_and_a_header_less_file_is_refused_not_cut()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);

        var missing = await IngestAsync(app, "m1", "d/a.csv", "eventId,userId,type\ne1,u1,view\n"u8.ToArray());
        var headerless = await IngestAsync(app, "m1", "d/b.csv", "e1,u1,view,2026-11-20T10:00:00Z\ne2,u2,view,2026-11-20T10:00:00Z\n"u8.ToArray());

        missing.Report.Status.ShouldBe(IngestionReport.Unreadable);
        missing.Report.Error!.ShouldContain("no timestamp column");
        missing.Report.Error!.ShouldNotContain("compressed");
        headerless.Report.Status.ShouldBe(IngestionReport.Unreadable);
        headerless.Report.Error!.ShouldContain("\"header\": false");
        (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u2"), Ct)).ShouldBeNull();
    }

    [Fact]
    public void Content_and_mapping_errors_are_permanent_and_storage_hiccups_are_retried()
    {
        IngestPart.IsPermanent(new InvalidDataException("bad")).ShouldBeTrue();
        IngestPart.IsPermanent(new Azure.RequestFailedException(404, "gone")).ShouldBeTrue();
        IngestPart.IsPermanent(new Azure.RequestFailedException(503, "busy")).ShouldBeFalse();
        IngestPart.IsPermanent(new TimeoutException()).ShouldBeFalse();
        IngestPart.IsPermanent(new IOException("reset")).ShouldBeFalse();
    }

    [Fact]
    public async Task Reports_are_listed_newest_first_in_pages_since_a_time_and_only_the_merchants_own()
    {
        var clock = new ManualTime(new DateTimeOffset(2026, 11, 21, 8, 0, 0, TimeSpan.Zero));
        await using var azurite = await AzuriteServer.StartAsync(null, Ct);
        await using var app = await TestApp.StartAsync(
            cosmos.NewDatabaseOptions(), Ct, new Dictionary<string, string?> { ["LogsStorage"] = azurite.ConnectionString }, s => s.AddSingleton<TimeProvider>(clock));
        for (var i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(10));
            await IngestAsync(app, "m1", $"d/part-{i}.jsonl", IngestLogTests.Log(2 + i));
        }

        await IngestAsync(app, "m2", "d/other.jsonl", IngestLogTests.Log(2));
        var store = app.Get<IIngestionStore>();
        var storage = app.Get<LogsStorage>();

        var first = Ok(await IngestionHandlers.ListIngestions(MerchantId.Parse("m1"), null, 2, null, store, storage, Ct));
        var second = Ok(await IngestionHandlers.ListIngestions(MerchantId.Parse("m1"), null, 2, first.Continuation, store, storage, Ct));
        var third = Ok(await IngestionHandlers.ListIngestions(MerchantId.Parse("m1"), null, 2, second.Continuation, store, storage, Ct));
        var since = Ok(await IngestionHandlers.ListIngestions(MerchantId.Parse("m1"), "2026-11-21T08:25:00Z", null, null, store, storage, Ct));

        first.Ingestions.Concat(second.Ingestions).Concat(third.Ingestions).Select(r => r.BlobName)
            .ShouldBe(["d/part-4.jsonl", "d/part-3.jsonl", "d/part-2.jsonl", "d/part-1.jsonl", "d/part-0.jsonl"]);
        third.Continuation.ShouldBeNull();
        first.Backlog.ShouldNotBeNull("the first page carries the queues' backlog");
        second.Backlog.ShouldBeNull();
        since.Ingestions.Select(r => r.BlobName).ShouldBe(["d/part-4.jsonl", "d/part-3.jsonl", "d/part-2.jsonl"]);
        (await IngestionHandlers.ListIngestions(MerchantId.Parse("m1"), "yesterday", null, null, store, storage, Ct)).Result.ShouldBeOfType<ValidationProblem>();
    }

    [Fact]
    public async Task A_reports_example_rows_name_line_and_excerpt_and_an_erased_shoppers_row_is_read_without_its_excerpt()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var result = await IngestAsync(app, "m1", "d/part.jsonl", IngestLogTests.Log(3));
        var store = app.Get<IIngestionStore>();

        var before = (await IngestionHandlers.GetIngestion(MerchantId.Parse("m1"), result.Report.ReportId, store, Ct)).Result.ShouldBeOfType<Ok<IngestionResponse>>().Value!;
        var teleport = before.RejectExamples["unknown_type"].Single();
        teleport.Line.ShouldBe(13);
        teleport.Excerpt!.ShouldContain("\"teleport\"");
        before.RejectExamples.Values.SelectMany(e => e).ShouldContain(e => e.Excerpt == "not json");
        before.UploadedAt.ShouldBeNull("a part handed over in memory has no upload time");

        await app.Get<IPrivacyStore>().EraseAsync(MerchantId.Parse("m1"), UserId.Parse("u0"), Ct);

        var after = (await IngestionHandlers.GetIngestion(MerchantId.Parse("m1"), result.Report.ReportId, store, Ct)).Result.ShouldBeOfType<Ok<IngestionResponse>>().Value!;
        after.RejectExamples["unknown_type"].Single().ShouldBe(new RejectExampleResponse(13, "type 'teleport'", null));
        after.RejectExamples.Values.SelectMany(e => e).ShouldContain(e => e.Excerpt == "not json", "a row naming no shopper stays");
    }

    private static IngestionListResponse Ok(Results<Ok<IngestionListResponse>, ValidationProblem> result) =>
        result.Result.ShouldBeOfType<Ok<IngestionListResponse>>().Value.ShouldNotBeNull();

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
