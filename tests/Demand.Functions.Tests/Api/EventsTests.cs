using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Demand.Functions.Tests.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;

namespace Demand.Functions.Tests.Api;

public sealed class EventsTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Real_time_events_are_validated_merged_once_and_the_profile_is_rescored_in_the_request()
    {
        var options = cosmos.NewDatabaseOptions();
        await using var factory = new HandlerFactory(options);
        using var client = factory.CreateHttpClient();
        var db = await cosmos.CreateDatabaseAsync(options);
        client.DefaultRequestHeaders.Add("X-Api-Key", await new CosmosMerchantStore(db, TimeProvider.System).AddKeyAsync("m1", Ct));
        var now = DateTimeOffset.UtcNow;
        var batch = new
        {
            events = new object[]
            {
                new { eventId = "e1", userId = "u1", type = "view", timestamp = now.AddMinutes(-5), productId = "p1", categoryId = "coffee-beans" },
                new { eventId = "e2", userId = "u1", type = "purchase", timestamp = now.AddMinutes(-4), productId = "p1", categoryId = "coffee-beans", price = 12.5 },
                new { eventId = "e2", userId = "u1", type = "purchase", timestamp = now.AddMinutes(-4), productId = "p1", categoryId = "coffee-beans", price = 12.5 },
                new { eventId = "e3", userId = "u1", type = "teleport", timestamp = now },
                new { eventId = "e4", userId = "u1", type = "view", timestamp = now.AddDays(30), categoryId = "coffee-beans" },
            },
        };

        var response = await client.PostAsJsonAsync("/api/v1/merchants/m1/events", batch, Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        body.GetProperty("accepted").GetInt32().ShouldBe(2);
        body.GetProperty("duplicates").GetInt32().ShouldBe(1);
        body.GetProperty("rejected").EnumerateArray().Select(r => r.GetProperty("reason").GetString()).ShouldBe(["unknown_type", "timestamp_in_future"]);
        var profile = await client.GetFromJsonAsync<JsonElement>("/api/v1/merchants/m1/users/u1/profile", Ct);
        profile.GetProperty("categories").EnumerateArray().ShouldContain(c => c.GetProperty("categoryId").GetString() == "coffee-beans");

        (await client.PostAsJsonAsync("/api/v1/merchants/m1/events", batch, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var features = await new CosmosFeatureStore(db).GetAsync("m1", "u1", Ct);
        features!.EventCount.ShouldBe(2, "a retried batch is merged once");
    }

    [Fact]
    public async Task An_empty_or_oversized_batch_is_a_validation_problem()
    {
        var options = cosmos.NewDatabaseOptions();
        await using var factory = new HandlerFactory(options);
        using var client = factory.CreateHttpClient();
        var db = await cosmos.CreateDatabaseAsync(options);
        client.DefaultRequestHeaders.Add("X-Api-Key", await new CosmosMerchantStore(db, TimeProvider.System).AddKeyAsync("m1", Ct));

        var empty = await client.PostAsJsonAsync("/api/v1/merchants/m1/events", new { events = Array.Empty<object>() }, Ct);
        var tooMany = await client.PostAsJsonAsync("/api/v1/merchants/m1/events", new { events = Enumerable.Range(0, 501).Select(i => new { eventId = "e" + i }).ToArray() }, Ct);

        empty.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        tooMany.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await tooMany.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("events", out _).ShouldBeTrue();
    }
}
