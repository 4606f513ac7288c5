using Demand.Core.Identifiers;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Demand.Infrastructure.Cosmos;

namespace Demand.EndToEnd.Tests;

/// <summary>Upload → IngestLog → ScoreUsers / MineReviews → profiles, insights and reports, all through the host and the worker.</summary>
public sealed class PipelineTests(DemandAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_uploaded_log_part_becomes_profiles_needs_a_report_and_a_quarantine_blob_served_over_the_api()
    {
        var (merchant, _, client) = await app.NewMerchantAsync(Ct);
        using var _ = client;
        var content = Logs.Day(30, Logs.Yesterday);
        await app.UploadAsync(merchant, "day-1/part-1.jsonl", content, Ct);
        await app.WaitForIdleAsync(Ct);

        var features = await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse(merchant), UserId.Parse("u7"), Ct);
        features.ShouldNotBeNull("IngestLog merged the part into the shopper's features");
        features.EventCount.ShouldBe(4);

        using var profile = await client.GetAsync(new Uri($"/api/v1/merchants/{merchant}/users/u7/profile", UriKind.Relative), Ct);
        profile.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await profile.Content.ReadFromJsonAsync<JsonElement>(Ct);
        body.GetProperty("categories").GetArrayLength().ShouldBeGreaterThan(0, "ScoreUsers scored the shopper with the ONNX model");
        body.GetProperty("needs").EnumerateArray().ShouldContain(n => n.GetProperty("polarity").GetString() == "negative", "MineReviews mined the complaint");
        var etag = profile.Headers.ETag;
        etag.ShouldNotBeNull();

        using var conditional = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/merchants/{merchant}/users/u7/profile", UriKind.Relative));
        conditional.Headers.IfNoneMatch.Add(etag);
        using var notModified = await client.SendAsync(conditional, Ct);
        notModified.StatusCode.ShouldBe(HttpStatusCode.NotModified);

        var partId = Logs.PartId(merchant, "day-1/part-1.jsonl", content);
        var report = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/merchants/{merchant}/ingestions/{partId}", UriKind.Relative), Ct);
        report.GetProperty("accepted").GetInt64().ShouldBe(120);
        report.GetProperty("rejected").GetInt64().ShouldBe(2);
        (report.GetProperty("accepted").GetInt64() + report.GetProperty("rejected").GetInt64() + report.GetProperty("duplicates").GetInt64())
            .ShouldBe(report.GetProperty("linesRead").GetInt64(), "every line is accounted for");

        var quarantine = await app.Blobs.GetBlobContainerClient("quarantine").GetBlobClient($"{merchant}/day-1/part-1.jsonl.rejected.jsonl").DownloadContentAsync(Ct);
        var reasons = quarantine.Value.Content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("reason").GetString()).ToList();
        reasons.ShouldBe(["unknown_type", "invalid_json"]);

        using var needs = await client.GetAsync(new Uri($"/api/v1/merchants/{merchant}/products/p2/needs", UriKind.Relative), Ct);
        needs.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Uploading_the_same_part_again_merges_nothing_twice()
    {
        var (merchant, _, client) = await app.NewMerchantAsync(Ct);
        using var _ = client;
        var content = Logs.Day(5, Logs.Yesterday);
        await app.UploadAsync(merchant, "day-1/part-1.jsonl", content, Ct);
        await app.WaitForIdleAsync(Ct);
        var before = (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse(merchant), UserId.Parse("u3"), Ct))!.EventCount;

        // A new upload of the same bytes is a new blob version (new ETag): the host fires again, the part id does not change.
        await app.UploadAsync(merchant, "day-1/part-1.jsonl", content, Ct);
        await app.WaitForIdleAsync(Ct);

        (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse(merchant), UserId.Parse("u3"), Ct))!.EventCount.ShouldBe(before);
        app.Host.Outcomes.Count(o => o.FunctionName == "IngestLog" && o.Succeeded && o.TriggerValues.Values.Any(v => v.Contains(merchant, StringComparison.Ordinal)))
            .ShouldBeGreaterThanOrEqualTo(2, "the host invoked IngestLog for both uploads");
    }

    [Fact]
    public async Task An_unreadable_part_leaves_a_report_saying_why_and_changes_nothing()
    {
        var (merchant, _, client) = await app.NewMerchantAsync(Ct);
        using var _ = client;
        byte[] corrupt = [0x1F, 0x8B, 0x08, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07];
        await app.UploadAsync(merchant, "day-1/broken.jsonl.gz", corrupt, Ct);
        await app.WaitForIdleAsync(Ct);

        var report = await client.GetFromJsonAsync<JsonElement>(
            new Uri($"/api/v1/merchants/{merchant}/ingestions/{Logs.PartId(merchant, "day-1/broken.jsonl.gz", corrupt)}", UriKind.Relative), Ct);
        report.GetProperty("status").GetString().ShouldBe("unreadable");
        report.GetProperty("error").GetString()!.ShouldContain("corrupt compressed data");
        (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse(merchant), UserId.Parse("u0"), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task The_nightly_timer_rebuilds_segments_and_the_forecast_and_records_a_prediction_snapshot_through_the_merchant_queue()
    {
        var (merchant, _, client) = await app.NewMerchantAsync(Ct);
        using var _ = client;
        await app.UploadAsync(merchant, "day-1/part-1.jsonl", Logs.Day(12, Logs.Yesterday), Ct);
        await app.WaitForIdleAsync(Ct);

        var timer = await app.Host.TriggerAsync("NightlyRescore", Ct);
        timer.Succeeded.ShouldBeTrue(timer.Error);
        await app.WaitForIdleAsync(Ct);

        app.Host.Outcomes.ShouldContain(o => o.FunctionName == "NightlyMerchant" && o.Succeeded);
        using var segment = await client.GetAsync(new Uri($"/api/v1/merchants/{merchant}/segments/c0", UriKind.Relative), Ct);
        segment.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await segment.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("members").GetArrayLength().ShouldBeGreaterThan(0);
        using var demand = await client.GetAsync(new Uri($"/api/v1/merchants/{merchant}/insights/demand", UriKind.Relative), Ct);
        demand.StatusCode.ShouldBe(HttpStatusCode.OK);

        // Outcome tracking: the night recorded what the served model predicts for the 12 shoppers, as of the data day;
        // no outcome yet (the horizon is ahead).
        var blob = app.Blobs.GetBlobContainerClient("models").GetBlobClient($"{merchant}/snapshots/{Logs.Yesterday:yyyy-MM-dd}.json");
        var snapshot = (await blob.DownloadContentAsync(Ct)).Value.Content.ToObjectFromJson<JsonElement>();
        snapshot.GetProperty("shoppers").GetArrayLength().ShouldBe(12);
        var model = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/merchants/{merchant}/model", UriKind.Relative), Ct);
        snapshot.GetProperty("modelVersion").GetString().ShouldBe(model.GetProperty("activeVersion").GetString());
        model.GetProperty("outcomes").GetArrayLength().ShouldBe(0);
    }
}
