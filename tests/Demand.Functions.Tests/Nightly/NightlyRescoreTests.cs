using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Demand.Core;
using Demand.Core.Messaging;
using Demand.Core.Profiles;
using Demand.Core.Synthetic;
using Demand.Functions.Tests.Infrastructure;
using Demand.Hosting.Envelope;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;

namespace Demand.Functions.Tests.Nightly;

public sealed class NightlyRescoreTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<(HttpStatusCode Status, HostResponse? Response)> Fire(HttpClient client) =>
        Invocations.PostAsync(client, "NightlyRescore", HostPayloads.TimerTrigger("NightlyRescore", "timer", false), Ct);

    [Fact]
    public async Task The_nightly_run_queues_every_active_user_and_builds_stable_segment_pages_and_a_forecast()
    {
        var options = cosmos.NewDatabaseOptions();
        await using var factory = new HandlerFactory(options);
        using var client = factory.CreateHttpClient();
        var folder = Directory.CreateTempSubdirectory("demand-nightly-").FullName;
        var written = MarketWriter.Write(new MarketOptions { Users = 60, Days = 10, Seed = 5, Start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-10) }, folder);
        foreach (var file in written.Files)
        {
            await Invocations.BlobAsync(client, "m1", Path.GetFileName(Path.GetDirectoryName(file)) + "/p.jsonl", await File.ReadAllBytesAsync(file, Ct), Ct);
        }

        var db = await cosmos.CreateDatabaseAsync(options);
        var profiles = new CosmosProfileStore(db);
        for (var u = 0; u < 250; u++)
        {
            var propensity = Math.Round(1 - (u / 250.0), 4);
            await profiles.UpdateAsync("m1", $"s{u:D3}", p => p.Categories = [new CategoryPropensity { CategoryId = "coffee-beans", Propensity = propensity }], Ct);
        }

        var key = await new CosmosMerchantStore(db, TimeProvider.System).AddKeyAsync("m1", Ct);

        var (status, response) = await Fire(client);

        status.ShouldBe(HttpStatusCode.OK);
        var queued = response!.Messages("scoreQueue").Select(m => JsonSerializer.Deserialize<ScoreRequest>(m, DemandJson.Options)!).ToList();
        queued.ShouldAllBe(r => r.Cause == ScoreCause.Nightly && r.UserIds.Count <= ScoreRequest.MaxUsers);
        queued.SelectMany(r => r.UserIds).Distinct().Count().ShouldBeGreaterThan(40);

        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        var seen = new List<string>();
        string? continuation = null;
        do
        {
            var url = "/api/v1/merchants/m1/segments/coffee-beans?limit=70&minScore=0.1" + (continuation is null ? "" : "&continuation=" + Uri.EscapeDataString(continuation));
            var page = await client.GetFromJsonAsync<JsonElement>(url, Ct);
            seen.AddRange(page.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("userId").GetString()!));
            continuation = page.GetProperty("continuation").ValueKind == JsonValueKind.String ? page.GetProperty("continuation").GetString() : null;
        }
        while (continuation is not null);

        seen.Count.ShouldBe(seen.Distinct().Count(), "pages never repeat a shopper");
        seen.ShouldBe(Enumerable.Range(0, 250).Where(u => Math.Round(1 - (u / 250.0), 4) >= 0.1).Select(u => $"s{u:D3}").ToList());
        var forecast = await client.GetFromJsonAsync<JsonElement>("/api/v1/merchants/m1/insights/demand", Ct);
        forecast.GetProperty("categories").EnumerateArray().ShouldContain(c => c.GetProperty("categoryId").GetString() == "coffee-beans" && c.GetProperty("shoppers").GetInt32() >= 250);
    }

    [Fact]
    public async Task A_timer_firing_while_a_run_holds_the_lease_starts_nothing()
    {
        var options = cosmos.NewDatabaseOptions();
        await using var factory = new HandlerFactory(options);
        using var client = factory.CreateHttpClient();
        var db = await cosmos.CreateDatabaseAsync(options);
        var store = new CosmosInsightsStore(db, TimeProvider.System);
        (await store.TryAcquireLeaseAsync("another-instance", TimeSpan.FromMinutes(30), Ct)).ShouldBeTrue();

        var (status, response) = await Fire(client);

        status.ShouldBe(HttpStatusCode.OK);
        response!.Logs.ShouldContain(l => l.Contains("holds the lease", StringComparison.Ordinal));
        response.Messages("scoreQueue").ShouldBeEmpty();
        await store.ReleaseLeaseAsync(Ct);
        (await Fire(client)).Response!.Logs.ShouldContain(l => l.StartsWith("nightly:", StringComparison.Ordinal));
    }
}
