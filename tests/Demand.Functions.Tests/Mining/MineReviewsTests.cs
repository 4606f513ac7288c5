using Demand.Core.Identifiers;
using Demand.Core.Storage;
using System.Text.Json;
using Demand.Core;
using Demand.Core.Messaging;
using Demand.Functions.Mining;
using Demand.Functions.Profiles;
using Demand.Functions.Tests.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Demand.Infrastructure.Mining;
using Demand.Testing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Demand.Functions.Tests.Mining;

public sealed class MineReviewsTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static MineRequest Request(params (string Review, string User, string Product, string Text, int Rating, int DaysAgo)[] reviews) => new()
    {
        MerchantId = "m1",
        PartId = "p1",
        Reviews = reviews.Select(r => new ReviewToMine
        {
            ReviewId = r.Review, UserId = r.User, ProductId = r.Product, CategoryId = "elec-phones", Rating = r.Rating, Text = r.Text,
            Timestamp = DateTimeOffset.UtcNow.AddDays(-r.DaysAgo),
        }).ToList(),
    };

    [Fact]
    public async Task Reviews_become_needs_with_evidence_on_profiles_and_a_product_summary_and_are_not_mined_twice()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var message = Request(
            ("r1", "u1", "phone-1", "Battery dies by noon, wish it lasted longer.", 2, 1),
            ("r2", "u2", "phone-1", "电池不够用，希望电池更耐用。", 2, 2),
            ("r3", "u3", "phone-1", "The camera is great. Battery lasts all day.", 5, 10),
            ("r4", "u1", "phone-2", "The price is far too high for what it is.", 2, 1));

        var report = await app.Get<ReviewMiningService>().MineAsync(message, Ct);

        (report.Reviews, report.Mined, report.FromCache).ShouldBe((4, 4, 0));
        var profile = await new CosmosProfileStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct);
        var battery = profile!.Needs.Single(n => n.Need == "longer battery life");
        battery.Polarity.ShouldBe("negative");
        battery.Evidence.Single().ReviewId.ShouldBe("r1");
        "Battery dies by noon, wish it lasted longer.".ShouldContain(battery.Evidence.Single().Text);
        profile.Needs.ShouldContain(n => n.Need == "lower price" && n.ProductId == "phone-2");

        var summary = await app.Get<CosmosReviewNeedStore>().GetSummaryAsync("m1", "phone-1", Ct);
        summary!.Reviews.ShouldBe(3);
        var negative = summary.Needs.Single(n => n.Need == "longer battery life" && n.Polarity == "negative");
        negative.Mentions.ShouldBe(2);
        negative.Share.ShouldBe(2 / 3.0, 0.001);
        negative.ThisWeek.ShouldBe(2);

        var again = await app.Get<ReviewMiningService>().MineAsync(message, Ct);
        (again.Mined, again.FromCache).ShouldBe((0, 4));
        (await new CosmosProfileStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct))!.Needs.Single(n => n.Need == "longer battery life").Evidence.Count.ShouldBe(1);
    }

    [Fact]
    public async Task The_function_reads_the_queue_message_and_logs_what_it_mined()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var message = JsonSerializer.Serialize(Request(("r1", "u1", "phone-1", "Battery dies by noon.", 1, 1)), DemandJson.Options);

        await app.Function<MineReviewsFunction>().Run(message, Ct);
        await app.Function<MineReviewsFunction>().Run(message, Ct);

        app.Logs.Lines.ShouldContain(l => l.Contains("(1 new, 0 from cache", StringComparison.Ordinal));
        app.Logs.Lines.ShouldContain(l => l.Contains("(0 new, 1 from cache", StringComparison.Ordinal));
        (await new CosmosProfileStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct))!.Needs.ShouldHaveSingleItem().Need.ShouldBe("longer battery life");
    }

    [Fact]
    public async Task A_malformed_mine_request_fails_the_invocation_so_the_host_retries_it()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);

        await Should.ThrowAsync<JsonException>(() => app.Function<MineReviewsFunction>().Run("{\"merchantId\":\"m1\"}", Ct));
    }

    [Fact]
    public async Task Erasing_a_reviewer_removes_their_reviews_from_the_product_summary()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        await app.Get<ReviewMiningService>().MineAsync(Request(
            ("r1", "u1", "phone-1", "Battery dies by noon.", 1, 1),
            ("r2", "u2", "phone-1", "Battery dies fast, too bad.", 2, 1)), Ct);
        var store = app.Get<CosmosReviewNeedStore>();

        var before = (await ProductHandlers.GetProductNeeds(MerchantId.Parse("m1"), "phone-1", store, Ct)).Result.ShouldBeOfType<Ok<ProductNeedsResponse>>().Value!;
        var erased = await PrivacyHandlers.Erase(MerchantId.Parse("m1"), UserId.Parse("u1"), app.Get<IPrivacyStore>(), Ct);
        var after = (await ProductHandlers.GetProductNeeds(MerchantId.Parse("m1"), "phone-1", store, Ct)).Result.ShouldBeOfType<Ok<ProductNeedsResponse>>().Value!;

        erased.Value!.UserId.ShouldBe("u1");
        before.Reviews.ShouldBe(2);
        after.Reviews.ShouldBe(1);
        after.Needs[0].Mentions.ShouldBe(1);
    }
}
