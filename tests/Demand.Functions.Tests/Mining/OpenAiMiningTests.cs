using Demand.Core.Identifiers;
using System.Globalization;
using Demand.Core.Messaging;
using Demand.Core.Mining;
using Demand.Functions.Mining;
using Demand.Functions.Tests.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Demand.Infrastructure.Mining;
using Demand.Testing;
using Demand.Testing.OpenAi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Tests.Mining;

/// <summary>MineReviews' use case with the LLM miner, against the OpenAI-compatible test server and cosmosdb-server.</summary>
public sealed class OpenAiMiningTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Settings(OpenAiTestServer server, int breakerFailures = 5) => new()
    {
        ["Mining:Miner"] = "openai",
        ["Mining:OpenAi:Endpoint"] = server.Endpoint.ToString(),
        ["Mining:OpenAi:Model"] = "test-model",
        ["Mining:OpenAi:ApiKey"] = "test-key",
        ["Mining:OpenAi:BatchSize"] = "10",
        ["Mining:OpenAi:MaxRetries"] = "0",
        ["Mining:OpenAi:BaseDelayMilliseconds"] = "1",
        ["Mining:OpenAi:BreakerFailures"] = breakerFailures.ToString(CultureInfo.InvariantCulture),
        ["Mining:OpenAi:BreakerOpenSeconds"] = "1",
    };

    internal static MineRequest Request(string merchantId, params (string Review, string User, string Product, string Category, string Text)[] reviews) => new()
    {
        MerchantId = merchantId,
        PartId = "p-" + Guid.NewGuid().ToString("N"),
        Reviews = reviews.Select(r => new ReviewToMine
        {
            ReviewId = r.Review, UserId = r.User, ProductId = r.Product, CategoryId = r.Category, Rating = 2, Text = r.Text, Timestamp = DateTimeOffset.UtcNow.AddDays(-1),
        }).ToList(),
    };

    [Fact]
    public async Task LLM_needs_reach_profiles_product_and_category_summaries_and_usage_and_re_ingesting_makes_no_calls()
    {
        await using var server = await OpenAiTestServer.StartAsync(Ct);
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct, Settings(server));
        var message = Request(
            "m1",
            ("r1", "u1", "phone-1", "elec-phones", "Battery dies by noon, wish it lasted longer."),
            ("r2", "u2", "phone-1", "elec-phones", "电池不够用，希望电池更耐用。"),
            ("r3", "u3", "phone-2", "elec-phones", "The battery runs out fast."),
            ("r4", "u1", "phone-2", "elec-phones", "Too expensive for what it is."));

        var report = await app.Get<ReviewMiningService>().MineAsync(message, Ct);

        server.Requests.Count.ShouldBe(1);
        (report.Mined, report.FromCache, report.Provisional).ShouldBe((4, 0, 0));
        app.Get<INeedMiner>().Version.ShouldBe("openai-1:test-model");
        var profile = await new CosmosProfileStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct);
        profile!.Needs.ShouldContain(n => n.Need == "longer battery life" && n.Evidence.Single().ReviewId == "r1" && !n.Provisional);
        var store = app.Get<CosmosReviewNeedStore>();
        var category = await store.GetCategorySummaryAsync("m1", "elec-phones", Ct);
        category!.Reviews.ShouldBe(4);
        var battery = category.Needs.Single(n => n.Need == "longer battery life");
        (battery.Mentions, battery.Products).ShouldBe((3, 2));
        var usage = await store.GetUsageAsync("m1", MiningUsageDocument.MonthOf(DateTimeOffset.UtcNow), Ct);
        usage!.Requests.ShouldBe(1);
        usage.InputTokens.ShouldBeGreaterThan(0);
        usage.EstimatedCost.ShouldBeGreaterThan(0m);

        var again = await app.Get<ReviewMiningService>().MineAsync(message, Ct);

        (again.Mined, again.FromCache).ShouldBe((0, 4));
        server.Requests.Count.ShouldBe(1);
        (await store.GetUsageAsync("m1", MiningUsageDocument.MonthOf(DateTimeOffset.UtcNow), Ct))!.FromCache.ShouldBe(4);
    }

    [Fact]
    public async Task Reviews_mined_during_an_outage_are_served_provisionally_and_re_mined_once_the_endpoint_answers()
    {
        await using var server = await OpenAiTestServer.StartAsync(Ct);
        server.DefaultFault = OpenAiFault.ServerError;
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct, Settings(server, breakerFailures: 1));
        var store = app.Get<CosmosReviewNeedStore>();
        var mining = app.Get<ReviewMiningService>();

        var during = await mining.MineAsync(Request("m1", ("r1", "u1", "phone-1", "elec-phones", "Battery dies by noon."), ("r2", "u2", "phone-1", "elec-phones", "尺寸太小了。")), Ct);

        during.Provisional.ShouldBe(2, "never lost: the offline miner's answer is kept, marked provisional");
        var r1 = await store.GetAsync("m1", "phone-1", "r1", Ct);
        r1!.Provisional.ShouldBeTrue();
        r1.Needs.ShouldContain(n => n.Need == "longer battery life");
        (await new CosmosProfileStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct))!.Needs.Single().Provisional.ShouldBeTrue();

        server.DefaultFault = OpenAiFault.None;
        await Task.Delay(TimeSpan.FromSeconds(1.2), Ct);
        var later = await mining.MineAsync(Request("m1", ("r3", "u3", "phone-2", "elec-phones", "Too expensive for what it is.")), Ct);

        later.Remined.ShouldBe(2);
        foreach (var (review, user) in new[] { ("r1", "u1"), ("r2", "u2") })
        {
            var after = await store.GetAsync("m1", "phone-1", review, Ct);
            after!.Provisional.ShouldBeFalse();
            after.Text.ShouldBeNull();
            after.Needs.ShouldNotBeEmpty();
            var needs = (await new CosmosProfileStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse(user), Ct))!.Needs;
            needs.ShouldHaveSingleItem().Provisional.ShouldBeFalse();
            needs.Single().Evidence.ShouldHaveSingleItem().ReviewId.ShouldBe(review);
        }
    }

    [Fact]
    public async Task A_merchant_synonym_edit_merges_needs_in_the_product_summary_and_is_invisible_to_other_merchants()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        await app.Get<ReviewMiningService>().MineAsync(Request(
            "m1",
            ("r1", "u1", "bag-1", "home-storage", "Wish the bag had a resealable zip."),
            ("r2", "u2", "bag-1", "home-storage", "The package broke open, flimsy packaging.")), Ct);
        var store = app.Get<CosmosReviewNeedStore>();
        var before = (await ProductHandlers.GetProductNeeds(MerchantId.Parse("m1"), "bag-1", store, Ct)).Result.ShouldBeOfType<Ok<ProductNeedsResponse>>().Value!;
        var phrases = before.Needs.Select(n => n.Need).Distinct().ToList();
        phrases.Count.ShouldBeGreaterThanOrEqualTo(2, string.Join(", ", phrases));

        var put = await NeedHandlers.PutTaxonomy(MerchantId.Parse("m1"), new NeedTaxonomyRequest(phrases.Skip(1).ToDictionary(p => p, string? (_) => phrases[0])), store, Ct);

        put.Result.ShouldBeOfType<Ok<NeedTaxonomyResponse>>().Value!.Synonyms.Count.ShouldBe(phrases.Count - 1);
        var after = (await ProductHandlers.GetProductNeeds(MerchantId.Parse("m1"), "bag-1", store, Ct)).Result.ShouldBeOfType<Ok<ProductNeedsResponse>>().Value!;
        after.Needs.Select(n => n.Need).Distinct().ShouldBe([phrases[0]]);
        var theirs = (await NeedHandlers.GetTaxonomy(MerchantId.Parse("m2"), store, Ct)).Value!;
        theirs.Synonyms.ShouldBeEmpty();
        theirs.BuiltIn.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task A_taxonomy_edit_with_an_empty_phrase_is_a_validation_problem_and_changes_nothing()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var store = app.Get<CosmosReviewNeedStore>();

        var put = await NeedHandlers.PutTaxonomy(MerchantId.Parse("m1"), new NeedTaxonomyRequest(new Dictionary<string, string?> { ["bigger"] = "  ?! " }), store, Ct);

        put.Result.ShouldBeOfType<ValidationProblem>().ProblemDetails.Errors.Keys.ShouldBe(["synonyms"]);
        (await store.GetTaxonomyAsync("m1", Ct)).ShouldBeNull();
    }
}

/// <summary>Embedding-based merging of need phrases the taxonomy has not seen, against the test server's embeddings.</summary>
public sealed class NeedPhraseLearningTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Settings(OpenAiTestServer server) => new()
    {
        ["Mining:Miner"] = "openai",
        ["Mining:OpenAi:Endpoint"] = server.Endpoint.ToString(),
        ["Mining:OpenAi:Model"] = "test-model",
        ["Mining:OpenAi:EmbeddingModel"] = "test-embedding",
        ["Mining:OpenAi:MergeThreshold"] = "0.8",
        ["Mining:OpenAi:ApiKey"] = "test-key",
    };

    private static MineRequest Request(params (string Review, string User, string Text)[] reviews) =>
        OpenAiMiningTests.Request("m1", reviews.Select(r => (r.Review, r.User, "phone-1", "elec-phones", r.Text)).ToArray());

    [Fact]
    public async Task A_model_phrase_close_to_a_canonical_need_merges_into_it_and_a_distant_one_stays_its_own_need_without_being_embedded_again()
    {
        await using var server = await OpenAiTestServer.StartAsync(Ct);
        server.Rephrase["longer battery life"] = "longer battery lifetime";
        server.Rephrase["lower price"] = "waterproofing";
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct, Settings(server));
        var mining = app.Get<ReviewMiningService>();

        await mining.MineAsync(Request(("r1", "u1", "Battery dies by noon."), ("r2", "u2", "Too expensive for what it is.")), Ct);

        var profiles = new CosmosProfileStore(app.Db);
        (await profiles.GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct))!.Needs.Single().Need.ShouldBe("longer battery life");
        (await profiles.GetAsync(MerchantId.Parse("m1"), UserId.Parse("u2"), Ct))!.Needs.Single().Need.ShouldBe("waterproofing");
        var learned = (await app.Get<CosmosReviewNeedStore>().GetTaxonomyAsync("m1", Ct))!.Learned;
        learned["longer battery lifetime"].ShouldBe("longer battery life");
        learned["waterproofing"].ShouldBe("waterproofing");
        var embedded = server.Embedded.Count;

        await mining.MineAsync(Request(("r3", "u3", "The battery runs out fast."), ("r4", "u4", "价格太贵了。")), Ct);

        server.Embedded.Count.ShouldBe(embedded);
        (await profiles.GetAsync(MerchantId.Parse("m1"), UserId.Parse("u3"), Ct))!.Needs.Single().Need.ShouldBe("longer battery life");
    }

    [Fact]
    public async Task An_embedding_outage_keeps_the_phrase_unmerged_and_learning_happens_with_a_later_review()
    {
        await using var server = await OpenAiTestServer.StartAsync(Ct);
        server.Rephrase["longer battery life"] = "longer battery lifetime";
        server.EmbeddingsDown = true;
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct, Settings(server));
        var mining = app.Get<ReviewMiningService>();
        var store = app.Get<CosmosReviewNeedStore>();

        await mining.MineAsync(Request(("r1", "u1", "Battery dies by noon.")), Ct);

        (await new CosmosProfileStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct))!.Needs.Single().Need.ShouldBe("longer battery lifetime");
        (await store.GetTaxonomyAsync("m1", Ct)).ShouldBeNull();

        server.EmbeddingsDown = false;
        await mining.MineAsync(Request(("r2", "u2", "The battery runs out fast.")), Ct);

        (await new CosmosProfileStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u2"), Ct))!.Needs.Single().Need.ShouldBe("longer battery life");
        var summary = await store.GetSummaryAsync("m1", "phone-1", Ct);
        summary!.Needs.Select(n => n.Need).Distinct().ShouldBe(["longer battery life"]);
    }
}

/// <summary>How the mining settings Bicep and the local sample write are read at start.</summary>
public sealed class MiningSettingsTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Empty_OpenAI_settings_as_Bicep_writes_them_without_OpenAI_start_the_offline_miner()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct, new Dictionary<string, string?>
        {
            ["Mining:Miner"] = "lexicon",
            ["Mining:OpenAi:Endpoint"] = "",
            ["Mining:OpenAi:Model"] = "",
            ["Mining:OpenAi:EmbeddingModel"] = "",
        });

        app.Get<INeedMiner>().ShouldBeOfType<LexiconNeedMiner>();
        app.Services.GetServices<INeedEmbedder>().ShouldBeEmpty();
    }

    [Fact]
    public async Task The_openai_miner_without_an_endpoint_stops_the_app_at_start_with_a_message_naming_the_setting()
    {
        var error = await Should.ThrowAsync<OptionsValidationException>(() =>
            TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct, new Dictionary<string, string?> { ["Mining:Miner"] = "openai" }));

        error.Message.ShouldContain("Mining:OpenAi:Endpoint");
    }
}
