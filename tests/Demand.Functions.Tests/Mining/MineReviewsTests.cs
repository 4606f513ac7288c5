using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Demand.Core;
using Demand.Core.Messaging;
using Demand.Functions.Tests.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;

namespace Demand.Functions.Tests.Mining;

public sealed class MineReviewsTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Request(params (string Review, string User, string Product, string Text, int Rating, int DaysAgo)[] reviews) =>
        JsonSerializer.Serialize(new MineRequest
        {
            MerchantId = "m1",
            PartId = "p1",
            Reviews = reviews.Select(r => new ReviewToMine
            {
                ReviewId = r.Review, UserId = r.User, ProductId = r.Product, CategoryId = "elec-phones", Rating = r.Rating, Text = r.Text,
                Timestamp = DateTimeOffset.UtcNow.AddDays(-r.DaysAgo),
            }).ToList(),
        }, DemandJson.Options);

    [Fact]
    public async Task Reviews_become_needs_with_evidence_on_profiles_and_a_product_summary_and_are_not_mined_twice()
    {
        var options = cosmos.NewDatabaseOptions();
        await using var factory = new HandlerFactory(options);
        using var client = factory.CreateHttpClient();
        var message = Request(
            ("r1", "u1", "phone-1", "Battery dies by noon, wish it lasted longer.", 2, 1),
            ("r2", "u2", "phone-1", "电池不够用，希望电池更耐用。", 2, 2),
            ("r3", "u3", "phone-1", "The camera is great. Battery lasts all day.", 5, 10),
            ("r4", "u1", "phone-2", "Too expensive for what it is.", 2, 1));

        var (status, response) = await Invocations.QueueAsync(client, "MineReviews", message, Ct);

        status.ShouldBe(HttpStatusCode.OK);
        response!.Logs.ShouldContain(l => l.Contains("4 new", StringComparison.Ordinal));
        var db = await cosmos.CreateDatabaseAsync(options);
        var profile = await new CosmosProfileStore(db).GetAsync("m1", "u1", Ct);
        var battery = profile!.Needs.Single(n => n.Need == "longer battery life");
        battery.Polarity.ShouldBe("negative");
        battery.Evidence.Single().ReviewId.ShouldBe("r1");
        "Battery dies by noon, wish it lasted longer.".ShouldContain(battery.Evidence.Single().Text);
        profile.Needs.ShouldContain(n => n.Need == "lower price" && n.ProductId == "phone-2");

        var summary = await new CosmosReviewNeedStore(db, TimeProvider.System).GetSummaryAsync("m1", "phone-1", Ct);
        summary!.Reviews.ShouldBe(3);
        var negative = summary.Needs.Single(n => n.Need == "longer battery life" && n.Polarity == "negative");
        negative.Mentions.ShouldBe(2);
        negative.Share.ShouldBe(2 / 3.0, 0.001);
        negative.ThisWeek.ShouldBe(2);

        var (_, again) = await Invocations.QueueAsync(client, "MineReviews", message, Ct);
        again!.Logs.ShouldContain(l => l.Contains("0 new, 4 from cache", StringComparison.Ordinal));
        (await new CosmosProfileStore(db).GetAsync("m1", "u1", Ct))!.Needs.Single(n => n.Need == "longer battery life").Evidence.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Erasing_a_reviewer_removes_their_reviews_from_the_product_summary()
    {
        var options = cosmos.NewDatabaseOptions();
        await using var factory = new HandlerFactory(options);
        using var client = factory.CreateHttpClient();
        await Invocations.QueueAsync(client, "MineReviews", Request(
            ("r1", "u1", "phone-1", "Battery dies by noon.", 1, 1),
            ("r2", "u2", "phone-1", "Battery dies fast, too bad.", 2, 1)), Ct);
        var db = await cosmos.CreateDatabaseAsync(options);
        var key = await new CosmosMerchantStore(db, TimeProvider.System).AddKeyAsync("m1", Ct);
        client.DefaultRequestHeaders.Add("X-Api-Key", key);

        var before = await client.GetFromJsonAsync<JsonElement>("/api/v1/merchants/m1/products/phone-1/needs", Ct);
        (await client.DeleteAsync(new Uri("/api/v1/merchants/m1/users/u1", UriKind.Relative), Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var after = await client.GetFromJsonAsync<JsonElement>("/api/v1/merchants/m1/products/phone-1/needs", Ct);

        before.GetProperty("reviews").GetInt32().ShouldBe(2);
        after.GetProperty("reviews").GetInt32().ShouldBe(1);
        after.GetProperty("needs")[0].GetProperty("mentions").GetInt32().ShouldBe(1);
    }
}
