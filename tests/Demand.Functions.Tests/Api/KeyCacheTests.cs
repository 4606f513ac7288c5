using System.Net;
using Demand.Core.Profiles;
using Demand.Functions.Tests.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Tests.Api;

public sealed class KeyCacheTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_new_key_works_at_once_and_a_revoked_key_stops_working_when_the_key_cache_expires()
    {
        var options = cosmos.NewDatabaseOptions();
        var time = new MovableTime(DateTimeOffset.UtcNow);
        await using var factory = new HandlerFactory(options, new Dictionary<string, string?> { ["Api__KeyCacheSeconds"] = "30" }, s => s.AddSingleton<TimeProvider>(time));
        factory.CreateHttpClient().Dispose();
        var db = await cosmos.CreateDatabaseAsync(options);
        var merchants = new CosmosMerchantStore(db, TimeProvider.System);
        await new CosmosProfileStore(db).UpdateAsync("m1", "u1", p => p.Categories = [new CategoryPropensity { CategoryId = "c1", Propensity = 0.5 }], Ct);
        var first = await merchants.AddKeyAsync("m1", Ct);

        async Task<HttpStatusCode> GetWith(string key)
        {
            using var client = factory.CreateClient();
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
            using var response = await client.GetAsync(new Uri("/api/v1/merchants/m1/users/u1/profile", UriKind.Relative), Ct);
            return response.StatusCode;
        }

        (await GetWith(first)).ShouldBe(HttpStatusCode.OK);
        var second = await merchants.AddKeyAsync("m1", Ct);
        (await GetWith(second)).ShouldBe(HttpStatusCode.OK, "a key the cached copy does not know is checked against a fresh read");

        (await merchants.RevokeKeyAsync("m1", first.Split('.')[2], Ct)).ShouldBeTrue();
        (await GetWith(first)).ShouldBe(HttpStatusCode.OK, "within the cache time the instance still holds the old key list");
        time.Now += TimeSpan.FromSeconds(31);
        (await GetWith(first)).ShouldBe(HttpStatusCode.Unauthorized);
        (await GetWith(second)).ShouldBe(HttpStatusCode.OK);
    }

    private sealed class MovableTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
