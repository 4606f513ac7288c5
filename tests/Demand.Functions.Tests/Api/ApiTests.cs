using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Demand.Core.Profiles;
using Demand.Core.Storage;
using Demand.Functions.Tests.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Demand.Functions.Tests.Api;

public sealed class ApiTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Tenant(string Key, HttpClient Client);

    private static async Task<(HandlerFactory Factory, DemandCosmos Db, Tenant A, Tenant B, CapturingLoggerProvider Logs)> StartAsync(CosmosServerFixture server)
    {
        var options = server.NewDatabaseOptions();
        var logs = new CapturingLoggerProvider();
        var factory = new HandlerFactory(options, configureServices: s => s.AddSingleton<ILoggerProvider>(logs));
        factory.CreateHttpClient().Dispose();
        var db = await server.CreateDatabaseAsync(options);
        var merchants = new CosmosMerchantStore(db, TimeProvider.System);
        var profiles = new CosmosProfileStore(db);
        foreach (var (merchant, user) in new[] { ("ma", "u1"), ("mb", "u2") })
        {
            await profiles.UpdateAsync(merchant, user, p =>
            {
                p.ModelVersion = "demand-mlp-2";
                p.UpdatedAt = DateTimeOffset.UtcNow;
                p.Categories = [new CategoryPropensity { CategoryId = "coffee-beans", Propensity = 0.8, ExpectedNextPurchase = new DateOnly(2026, 11, 27), Reasons = [new Reason("last bought 20 days ago", 0.3)] }];
                p.Needs = [new UserNeed { Need = "longer battery life", Aspect = "battery", Polarity = "negative", Severity = 3, Evidence = [new NeedEvidence("r1", "battery dies by noon")] }];
            }, Ct);
        }

        Tenant Client(string key)
        {
            var client = factory.CreateClient();
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
            return new Tenant(key, client);
        }

        return (factory, db, Client(await merchants.AddKeyAsync("ma", Ct)), Client(await merchants.AddKeyAsync("mb", Ct)), logs);
    }

    [Fact]
    public async Task A_storefront_reads_a_profile_and_gets_304_when_it_has_not_changed()
    {
        var (factory, _, a, _, _) = await StartAsync(cosmos);
        await using var _f = factory;

        var response = await a.Client.GetAsync(new Uri("/api/v1/merchants/ma/users/u1/profile", UriKind.Relative), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        body.GetProperty("categories")[0].GetProperty("categoryId").GetString().ShouldBe("coffee-beans");
        body.GetProperty("categories")[0].GetProperty("expectedNextPurchase").GetString().ShouldBe("2026-11-27");
        body.GetProperty("needs")[0].GetProperty("evidence")[0].GetProperty("text").GetString().ShouldBe("battery dies by noon");
        body.TryGetProperty("_etag", out _).ShouldBeFalse("storage fields are not part of the wire contract");

        using var again = new HttpRequestMessage(HttpMethod.Get, "/api/v1/merchants/ma/users/u1/profile");
        again.Headers.TryAddWithoutValidation("If-None-Match", response.Headers.ETag!.ToString());
        (await a.Client.SendAsync(again, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotModified);
    }

    [Fact]
    public async Task Recommendations_list_the_strongest_categories_and_unmet_needs_and_validate_k()
    {
        var (factory, _, a, _, _) = await StartAsync(cosmos);
        await using var _f = factory;

        var ok = await a.Client.GetFromJsonAsync<JsonElement>("/api/v1/merchants/ma/users/u1/recommendations?k=3", Ct);
        ok.GetProperty("categories").GetArrayLength().ShouldBe(1);
        ok.GetProperty("needs")[0].GetProperty("need").GetString().ShouldBe("longer battery life");

        var bad = await a.Client.GetAsync(new Uri("/api/v1/merchants/ma/users/u1/recommendations?k=0", UriKind.Relative), Ct);
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bad.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").GetProperty("k").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task Requests_without_a_valid_key_get_401_problem_details()
    {
        var (factory, db, a, _, _) = await StartAsync(cosmos);
        await using var _f = factory;
        using var anonymous = factory.CreateClient();

        var none = await anonymous.GetAsync(new Uri("/api/v1/merchants/ma/users/u1/profile", UriKind.Relative), Ct);
        none.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        none.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");

        using var forged = factory.CreateClient();
        forged.DefaultRequestHeaders.Add("X-Api-Key", a.Key[..^4] + "AAAA");
        (await forged.GetAsync(new Uri("/api/v1/merchants/ma/users/u1/profile", UriKind.Relative), Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        // Revoked keys: KeyCacheTests (they stop working when the instance's key cache expires).
    }

    [Fact]
    public async Task A_key_never_reaches_another_merchant_and_sees_it_exactly_as_unknown_ids()
    {
        var (factory, _, a, _, logs) = await StartAsync(cosmos);
        await using var _f = factory;

        async Task<(HttpStatusCode, string)> Call(HttpMethod method, string path)
        {
            using var request = new HttpRequestMessage(method, path);
            var response = await a.Client.SendAsync(request, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            return (response.StatusCode, System.Text.RegularExpressions.Regex.Replace(body, "\"traceId\":\"[^\"]*\"", ""));
        }

        var unknown = await Call(HttpMethod.Get, "/api/v1/merchants/ma/users/nobody/profile");
        unknown.Item1.ShouldBe(HttpStatusCode.NotFound);
        var attempts = new[]
        {
            (HttpMethod.Get, "/api/v1/merchants/mb/users/u2/profile"),
            (HttpMethod.Get, "/api/v1/merchants/mb/users/u2/recommendations"),
            (HttpMethod.Get, "/api/v1/merchants/mb/users/u2/export"),
            (HttpMethod.Get, "/api/v1/merchants/mb/ingestions/0123abcd"),
            (HttpMethod.Get, "/api/v1/merchants/mb/products/p1/needs"),
            (HttpMethod.Get, "/api/v1/merchants/mb/segments/c1"),
            (HttpMethod.Get, "/api/v1/merchants/mb/insights/demand"),
            (HttpMethod.Get, "/api/v1/merchants/mb/categories/c1/needs"),
            (HttpMethod.Get, "/api/v1/merchants/mb/needs/taxonomy"),
            (HttpMethod.Get, "/api/v1/merchants/mb/mining/usage"),
            (HttpMethod.Get, "/api/v1/merchants/MB/users/u2/profile"),
            (HttpMethod.Get, "/api/v1/merchants/ma/../mb/users/u2/profile"),
            (HttpMethod.Get, "/api/v1/merchants/ma%2F..%2Fmb/users/u2/profile"),
            (HttpMethod.Get, "/api/v1/merchants/ma/users/..%2F..%2Fmb%2Fusers%2Fu2/profile"),
        };
        foreach (var (method, path) in attempts)
        {
            var result = await Call(method, path);
            result.ShouldBe(unknown, path);
        }

        (await Call(HttpMethod.Delete, "/api/v1/merchants/mb/users/u2")).Item1.ShouldBe(HttpStatusCode.NotFound);
        var stillThere = await new CosmosProfileStore(await cosmos.CreateDatabaseAsync(factory.Cosmos)).GetAsync("mb", "u2", Ct);
        stillThere.ShouldNotBeNull("B's user survives A's erasure attempt");
        using (var withFunctionKey = new HttpRequestMessage(HttpMethod.Get, "/api/v1/merchants/ma/users/u1/profile?code=function-key-secret-123"))
        {
            withFunctionKey.Headers.Add("x-functions-key", "function-key-secret-456");
            (await a.Client.SendAsync(withFunctionKey, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        logs.Lines.ShouldNotBeEmpty();
        logs.Lines.ShouldNotContain(l => l.Contains(a.Key.Split('.')[3], StringComparison.Ordinal));
        logs.Lines.ShouldNotContain(l => l.Contains("function-key-secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Erasure_removes_the_user_everywhere_and_a_replayed_log_does_not_bring_them_back()
    {
        var (factory, db, a, _, _) = await StartAsync(cosmos);
        await using var _f = factory;
        using var trigger = factory.CreateClient();
        var log = Encoding.UTF8.GetBytes($$"""{"eventId":"e1","userId":"u1","type":"view","timestamp":"{{DateTimeOffset.UtcNow.AddDays(-1):O}}","productId":"p","categoryId":"c"}""" + "\n");
        await Invocations.BlobAsync(trigger, "ma", "day1.jsonl", log, Ct);
        (await a.Client.GetFromJsonAsync<JsonElement>("/api/v1/merchants/ma/users/u1/export", Ct)).GetProperty("features").ValueKind.ShouldBe(JsonValueKind.Object);

        var erase = await a.Client.DeleteAsync(new Uri("/api/v1/merchants/ma/users/u1", UriKind.Relative), Ct);
        erase.StatusCode.ShouldBe(HttpStatusCode.OK);

        (await a.Client.GetAsync(new Uri("/api/v1/merchants/ma/users/u1/profile", UriKind.Relative), Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await a.Client.GetAsync(new Uri("/api/v1/merchants/ma/users/u1/export", UriKind.Relative), Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        await Invocations.BlobAsync(trigger, "ma", "day1-replayed.jsonl", log, Ct);
        (await new CosmosFeatureStore(db).GetAsync("ma", "u1", Ct)).ShouldBeNull();
        foreach (var container in new[] { db.Features, db.Profiles, db.ReviewNeeds, db.Insights, db.Merchants })
        {
            using var feed = container.GetItemQueryStreamIterator(queryText: null);
            while (feed.HasMoreResults)
            {
                using var page = await feed.ReadNextAsync(Ct);
                var text = await new StreamReader(page.Content).ReadToEndAsync(Ct);
                text.ShouldNotContain("\"u1\"", customMessage: container.Id + " still mentions the erased user");
            }
        }
    }

    [Fact]
    public async Task Ingestion_reports_are_readable_by_id_and_the_openapi_document_is_served()
    {
        var (factory, _, a, _, _) = await StartAsync(cosmos);
        await using var _f = factory;
        using var trigger = factory.CreateClient();
        var log = Encoding.UTF8.GetBytes($$"""{"eventId":"e1","userId":"u9","type":"view","timestamp":"{{DateTimeOffset.UtcNow.AddDays(-1):O}}","categoryId":"c"}""" + "\nbad line\n");
        var (_, response) = await Invocations.BlobAsync(trigger, "ma", "d.jsonl", log, Ct);
        var partId = JsonDocument.Parse(response!.Messages("scoreQueue")[0]).RootElement.GetProperty("partId").GetString();

        var report = await a.Client.GetFromJsonAsync<JsonElement>($"/api/v1/merchants/ma/ingestions/{partId}", Ct);
        report.GetProperty("accepted").GetInt64().ShouldBe(1);
        report.GetProperty("rejectsByReason").GetProperty("invalid_json").GetInt64().ShouldBe(1);

        var openApi = await trigger.GetFromJsonAsync<JsonElement>("/api/openapi.json", Ct);
        openApi.GetProperty("paths").TryGetProperty("/api/v1/merchants/{merchantId}/users/{userId}/profile", out _).ShouldBeTrue();
    }
}
