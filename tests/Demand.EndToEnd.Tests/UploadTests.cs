using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Demand.EndToEnd.Tests;

/// <summary>
/// POST …/uploads through the host: the URL writes exactly one new blob under the merchant's prefix, the part is
/// ingested by the real worker, and its report (found by the returned part id, and in the listing) says what happened.
/// </summary>
public sealed class UploadTests(DemandAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> NewUploadAsync(HttpClient client, string merchant, string fileName)
    {
        using var response = await client.PostAsJsonAsync(new Uri($"/api/v1/merchants/{merchant}/uploads", UriKind.Relative), new { fileName }, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    [Fact]
    public async Task A_part_uploaded_through_the_url_is_ingested_and_its_report_is_found_by_the_returned_part_id_and_in_the_listing()
    {
        var (merchant, _, client) = await app.NewMerchantAsync(Ct);
        using var _ = client;
        var upload = await NewUploadAsync(client, merchant, "day-1.jsonl");
        var partId = upload.GetProperty("partId").GetString()!;
        upload.GetProperty("maxBytes").GetInt64().ShouldBeGreaterThan(0);

        await new BlockBlobClient(new Uri(upload.GetProperty("uploadUrl").GetString()!)).UploadAsync(new MemoryStream(Logs.Day(6, Logs.Yesterday)), cancellationToken: Ct);
        await app.WaitForIdleAsync(Ct);

        var report = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/merchants/{merchant}/ingestions/{partId}", UriKind.Relative), Ct);
        report.GetProperty("status").GetString().ShouldBe("ingested");
        report.GetProperty("accepted").GetInt64().ShouldBe(24);
        report.GetProperty("blobName").GetString().ShouldBe(upload.GetProperty("name").GetString());
        var list = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/merchants/{merchant}/ingestions?since=2020-01-01", UriKind.Relative), Ct);
        list.GetProperty("ingestions").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ShouldContain(partId);
    }

    [Fact]
    public async Task The_url_cannot_overwrite_its_blob_nor_write_under_another_name_or_merchant()
    {
        var (merchant, _, client) = await app.NewMerchantAsync(Ct);
        var (victim, _, victimClient) = await app.NewMerchantAsync(Ct);
        using var _ = client;
        using var __ = victimClient;
        var url = new Uri((await NewUploadAsync(client, merchant, "a.jsonl")).GetProperty("uploadUrl").GetString()!);
        await new BlockBlobClient(url).UploadAsync(new MemoryStream(Logs.Day(1, Logs.Yesterday)), cancellationToken: Ct);

        var overwrite = await Should.ThrowAsync<RequestFailedException>(() => new BlockBlobClient(url).UploadAsync(new MemoryStream(Logs.Day(2, Logs.Yesterday)), cancellationToken: Ct));
        // The same signature on another path: a sibling name, and the victim's prefix.
        var sibling = new UriBuilder(url) { Path = url.AbsolutePath.Replace("/uploads/", "/uploads/x", StringComparison.Ordinal) }.Uri;
        var foreign = new UriBuilder(url) { Path = url.AbsolutePath.Replace("/" + merchant + "/", "/" + victim + "/", StringComparison.Ordinal) }.Uri;
        var other = await Should.ThrowAsync<RequestFailedException>(() => new BlockBlobClient(sibling).UploadAsync(new MemoryStream(Logs.Day(1, Logs.Yesterday)), cancellationToken: Ct));
        var cross = await Should.ThrowAsync<RequestFailedException>(() => new BlockBlobClient(foreign).UploadAsync(new MemoryStream(Logs.Day(1, Logs.Yesterday)), cancellationToken: Ct));

        overwrite.Status.ShouldBe(403);
        other.Status.ShouldBe(403);
        cross.Status.ShouldBe(403);
        var victimBlobs = app.Blobs.GetBlobContainerClient("logs").GetBlobsAsync(BlobTraits.None, BlobStates.None, victim + "/", Ct);
        (await victimBlobs.ToListAsync(Ct)).ShouldBeEmpty();
        await app.WaitForIdleAsync(Ct);
    }

    [Fact]
    public async Task A_header_less_csv_fails_with_a_listed_report_that_says_how_to_fix_it_and_is_not_retried()
    {
        var (merchant, _, client) = await app.NewMerchantAsync(Ct);
        using var _ = client;
        await app.UploadAsync(merchant, "day-1/no-header.csv", "e1,u1,view,2026-11-20T10:00:00Z\ne2,u2,view,2026-11-20T11:00:00Z\n"u8.ToArray(), Ct);
        await app.WaitForIdleAsync(Ct);

        var list = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/merchants/{merchant}/ingestions", UriKind.Relative), Ct);
        var report = list.GetProperty("ingestions").EnumerateArray().ShouldHaveSingleItem();
        report.GetProperty("status").GetString().ShouldBe("unreadable");
        report.GetProperty("error").GetString()!.ShouldContain("\"header\": false");
        app.Host.Outcomes.Where(o => o.FunctionName == "IngestLog" && o.TriggerValues.Values.Any(v => v.Contains(merchant, StringComparison.Ordinal)))
            .ShouldAllBe(o => o.Succeeded, "a part that cannot be read completes with its report instead of being retried");
    }
}
