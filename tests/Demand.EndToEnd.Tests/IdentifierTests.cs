using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Demand.Core.Identifiers;
using Demand.Infrastructure.Cosmos;

namespace Demand.EndToEnd.Tests;

/// <summary>Hostile identifiers through the host and the worker (issue 14, finding 1): one rule, a 400 naming the field, nobody else touched.</summary>
public sealed class IdentifierTests(DemandAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Erasing_an_id_with_a_hash_question_mark_or_backslash_answers_400_and_leaves_the_real_shopper_alone()
    {
        var (merchant, _, client) = await app.NewMerchantAsync(Ct);
        using var owned = client;
        var users = new[] { "u000005", "u000012", "u000016" };
        using (var seed = await client.PostAsJsonAsync(Events(merchant), new { events = users.Select((u, i) => Event("e" + i, u)).ToArray() }, Ct))
        {
            seed.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        foreach (var route in new[] { "users/u000005%23", "users/u000012%3F", "users/u000016%5C", "users/u000005%2523", "users/%20%20%20" })
        {
            using var erase = await client.DeleteAsync(new Uri($"/api/v1/merchants/{merchant}/{route}", UriKind.Relative), Ct);
            erase.StatusCode.ShouldBe(HttpStatusCode.BadRequest, route);
            erase.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json", route);
            (await erase.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("userId", out _).ShouldBeTrue(route);
            using var export = await client.GetAsync(new Uri($"/api/v1/merchants/{merchant}/{route}/export", UriKind.Relative), Ct);
            export.StatusCode.ShouldBe(HttpStatusCode.BadRequest, route);
        }

        foreach (var user in users)
        {
            (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse(merchant), UserId.Parse(user), Ct)).ShouldNotBeNull(user);
            using var profile = await client.GetAsync(new Uri($"/api/v1/merchants/{merchant}/users/{user}/profile", UriKind.Relative), Ct);
            profile.StatusCode.ShouldBe(HttpStatusCode.OK, user);
        }
    }

    [Fact]
    public async Task Events_with_invalid_user_ids_are_rejected_one_by_one_with_their_index_and_never_answer_500()
    {
        var (merchant, _, client) = await app.NewMerchantAsync(Ct);
        using var owned = client;
        var batch = new { events = new[] { Event("e0", "bb#1"), Event("e1", "   "), Event("e2", "u/1"), Event("e3", "u\\1"), Event("e4", "u?1"), Event("e5", "ok-1") } };

        using var response = await client.PostAsJsonAsync(Events(merchant), batch, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        answer.GetProperty("accepted").GetInt32().ShouldBe(1);
        answer.GetProperty("rejected").EnumerateArray().Select(r => (r.GetProperty("index").GetInt32(), r.GetProperty("reason").GetString()))
            .ShouldBe([(0, "invalid_user_id"), (1, "invalid_user_id"), (2, "invalid_user_id"), (3, "invalid_user_id"), (4, "invalid_user_id")]);
    }

    [Fact]
    public async Task A_route_with_an_invalid_merchant_id_answers_400_after_the_key_check()
    {
        var (_, _, client) = await app.NewMerchantAsync(Ct);
        using var owned = client;
        using var anonymous = new HttpClient { BaseAddress = app.Host.HttpBaseAddress };

        using var noKey = await anonymous.GetAsync(new Uri("/api/v1/merchants/m.x/users/u1/profile", UriKind.Relative), Ct);
        noKey.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var bad = await client.GetAsync(new Uri("/api/v1/merchants/mapping.m2/users/u1/profile", UriKind.Relative), Ct);
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bad.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("merchantId", out _).ShouldBeTrue();
    }

    private static Uri Events(string merchant) => new($"/api/v1/merchants/{merchant}/events", UriKind.Relative);

    private static object Event(string id, string user) => new
    {
        eventId = id, userId = user, type = "purchase", timestamp = DateTimeOffset.UtcNow.AddHours(-1), productId = "p1", categoryId = "c1", price = 5m,
    };
}
