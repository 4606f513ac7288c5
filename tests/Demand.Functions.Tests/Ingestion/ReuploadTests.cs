using System.Text;
using Demand.Core.Identifiers;
using Demand.Core.Ingestion;
using Demand.Functions.Tests.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;

namespace Demand.Functions.Tests.Ingestion;

/// <summary>Re-uploads on real Cosmos: renamed copies merge nothing, appended copies merge only their new tail.</summary>
public sealed class ReuploadTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Events(int from, int count) => string.Concat(Enumerable.Range(from, count).Select(i =>
        $$"""{"eventId":"e{{i}}","userId":"u{{i % 4}}","type":"view","timestamp":"2026-11-20T10:{{i % 60:00}}:00Z","categoryId":"c1"}""" + "\n"));

    [Fact]
    public async Task A_renamed_copy_of_a_merged_part_is_skipped_as_a_duplicate_of_it()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var content = Encoding.UTF8.GetBytes(Events(0, 40));

        var first = await IngestLogTests.IngestAsync(app, "m1", "d/part.jsonl", content);
        var copy = await IngestLogTests.IngestAsync(app, "m1", "d/part (1).jsonl", content);

        copy.Report.Status.ShouldBe(IngestionReport.Duplicate);
        copy.Report.DuplicateOf.ShouldBe(first.Report.PartId);
        copy.Report.Note!.ShouldContain("duplicate of part " + first.Report.PartId);
        copy.ScoreRequests.ShouldBeEmpty();
        (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct))!.EventCount.ShouldBe(10);
    }

    [Fact]
    public async Task An_appended_copy_merges_only_the_new_tail_and_says_so()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);

        var first = await IngestLogTests.IngestAsync(app, "m1", "d/today.jsonl", Encoding.UTF8.GetBytes(Events(0, 40)));
        var appended = await IngestLogTests.IngestAsync(app, "m1", "d/today.jsonl", Encoding.UTF8.GetBytes(Events(0, 40) + Events(40, 8)));

        appended.Report.Status.ShouldBe(IngestionReport.Ingested);
        appended.Report.AlreadyMerged.ShouldBe(40);
        appended.Report.Accepted.ShouldBe(8);
        appended.Report.DuplicateOf.ShouldBe(first.Report.PartId);
        appended.Report.Note!.ShouldContain("first 40 lines were already merged");
        (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct))!.EventCount.ShouldBe(12, "10 from the first part, 2 from the tail");
    }

    [Fact]
    public async Task A_part_that_only_starts_like_a_merged_one_is_read_again_and_merged_whole()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);

        await IngestLogTests.IngestAsync(app, "m1", "d/a.jsonl", Encoding.UTF8.GetBytes(Events(0, 40)));
        var fork = await IngestLogTests.IngestAsync(app, "m1", "d/b.jsonl", Encoding.UTF8.GetBytes(Events(0, 10) + Events(100, 20)));

        fork.Report.AlreadyMerged.ShouldBe(0);
        fork.Report.Accepted.ShouldBe(30);
    }
}
