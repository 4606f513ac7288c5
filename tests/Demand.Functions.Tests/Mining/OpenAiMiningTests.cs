using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Demand.Core;
using Demand.Core.Messaging;
using Demand.Core.Mining;
using Demand.Functions.Tests.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;
using Demand.Testing.OpenAi;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Tests.Mining;

/// <summary>MineReviews with the LLM miner, over real HTTP, against the OpenAI-compatible test server and cosmosdb-server.</summary>
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
        ["Mining:OpenAi:BreakerFailures"] = breakerFailures.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Mining:OpenAi:BreakerOpenSeconds"] = "1",
    };

    internal static string Request(string merchantId, params (string Review, string User, string Product, string Category, string Text)[] reviews) =>
        JsonSerializer.Serialize(new MineRequest
        {
            MerchantId = merchantId,
            PartId = "p-" + Guid.NewGuid().ToString("N"),
            Reviews = reviews.Select(r => new ReviewToMine
            {
                ReviewId = r.Review, UserId = r.User, ProductId = r.Product, CategoryId = r.Category, Rating = 2, Text = r.Text, Timestamp = DateTimeOffset.UtcNow.AddDays(-1),
            }).ToList(),
        }, DemandJson.Options);

    [Fact]
    public async Task LLM_needs_reach_profiles_product_and_category_summaries_and_usage_and_re_ingesting_makes_no_calls()
    {
        await using var server = await OpenAiTestServer.StartAsync(Ct);
        var options = cosmos.NewDatabaseOptions();
        await using var factory = new HandlerFactory(options, Settings(server));
        using var client = factory.CreateHttpClient();
        var message = Request(
            "m1",
            ("r1", "u1", "phone-1", "elec-phones", "Battery dies by noon, wish it lasted longer."),
            ("r2", "u2", "phone-1", "elec-phones", "电池不够用，希望电池更耐用。"),
            ("r3", "u3", "phone-2", "elec-phones", "The battery runs out fast."),
            ("r4", "u1", "phone-2", "elec-phones", "Too expensive for what it is."));

        var (status, response) = await Invocations.QueueAsync(client, "MineReviews", message, Ct);

        status.ShouldBe(HttpStatusCode.OK);
        server.Requests.Count.ShouldBe(1);
        response!.Logs.ShouldContain(l => l.Contains("4 new, 0 from cache, 0 provisional", StringComparison.Ordinal) && l.Contains("openai-1:test-model", StringComparison.Ordinal));
        var db = await cosmos.CreateDatabaseAsync(options);
        var profile = await new CosmosProfileStore(db).GetAsync("m1", "u1", Ct);
        profile!.Needs.ShouldContain(n => n.Need == "longer battery life" && n.Evidence.Single().ReviewId == "r1" && !n.Provisional);
        var store = new CosmosReviewNeedStore(db, TimeProvider.System);
        var category = await store.GetCategorySummaryAsync("m1", "elec-phones", Ct);
        category!.Reviews.ShouldBe(4);
        var battery = category.Needs.Single(n => n.Need == "longer battery life");
        (battery.Mentions, battery.Products).ShouldBe((3, 2));
        var usage = await store.GetUsageAsync("m1", MiningUsageDocument.MonthOf(DateTimeOffset.UtcNow), Ct);
        usage!.Requests.ShouldBe(1);
        usage.InputTokens.ShouldBeGreaterThan(0);
        usage.EstimatedCost.ShouldBeGreaterThan(0m);

        var (_, again) = await Invocations.QueueAsync(client, "MineReviews", message, Ct);

        again!.Logs.ShouldContain(l => l.Contains("0 new, 4 from cache", StringComparison.Ordinal));
        server.Requests.Count.ShouldBe(1);
        (await store.GetUsageAsync("m1", MiningUsageDocument.MonthOf(DateTimeOffset.UtcNow), Ct))!.FromCache.ShouldBe(4);
    }

    [Fact]
    public async Task Reviews_mined_during_an_outage_are_served_provisionally_and_re_mined_once_the_endpoint_answers()
    {
        await using var server = await OpenAiTestServer.StartAsync(Ct);
        server.DefaultFault = OpenAiFault.ServerError;
        var options = cosmos.NewDatabaseOptions();
        await using var factory = new HandlerFactory(options, Settings(server, breakerFailures: 1));
        using var client = factory.CreateHttpClient();
        var db = await cosmos.CreateDatabaseAsync(options);
        var store = new CosmosReviewNeedStore(db, TimeProvider.System);

        var (status, _) = await Invocations.QueueAsync(client, "MineReviews", Request(
            "m1", ("r1", "u1", "phone-1", "elec-phones", "Battery dies by noon."), ("r2", "u2", "phone-1", "elec-phones", "尺寸太小了。")), Ct);

        status.ShouldBe(HttpStatusCode.OK);
        var during = await store.GetAsync("m1", "phone-1", "r1", Ct);
        during!.Provisional.ShouldBeTrue();
        during.Needs.ShouldContain(n => n.Need == "longer battery life");
        (await new CosmosProfileStore(db).GetAsync("m1", "u1", Ct))!.Needs.Single().Provisional.ShouldBeTrue();

        server.DefaultFault = OpenAiFault.None;
        await Task.Delay(TimeSpan.FromSeconds(1.2), Ct);
        var (_, later) = await Invocations.QueueAsync(client, "MineReviews", Request("m1", ("r3", "u3", "phone-2", "elec-phones", "Too expensive for what it is.")), Ct);

        later!.Logs.ShouldContain(l => l.Contains("2 re-mined", StringComparison.Ordinal));
        foreach (var (review, user) in new[] { ("r1", "u1"), ("r2", "u2") })
        {
            var after = await store.GetAsync("m1", "phone-1", review, Ct);
            after!.Provisional.ShouldBeFalse();
            after.Text.ShouldBeNull();
            after.Needs.ShouldNotBeEmpty();
            var needs = (await new CosmosProfileStore(db).GetAsync("m1", user, Ct))!.Needs;
            needs.ShouldHaveSingleItem().Provisional.ShouldBeFalse();
            needs.Single().Evidence.ShouldHaveSingleItem().ReviewId.ShouldBe(review);
        }
    }

    [Fact]
    public async Task A_merchant_synonym_edit_merges_needs_in_the_product_summary_and_is_invisible_to_other_merchants()
    {
        var options = cosmos.NewDatabaseOptions();
        await using var factory = new HandlerFactory(options);
        using var client = factory.CreateHttpClient();
        await Invocations.QueueAsync(client, "MineReviews", Request(
            "m1",
            ("r1", "u1", "bag-1", "home-storage", "Wish the bag had a resealable zip."),
            ("r2", "u2", "bag-1", "home-storage", "The package broke open, flimsy packaging.")), Ct);
        var db = await cosmos.CreateDatabaseAsync(options);
        var merchants = new CosmosMerchantStore(db, TimeProvider.System);
        client.DefaultRequestHeaders.Add("X-Api-Key", await merchants.AddKeyAsync("m1", Ct));
        var before = await client.GetFromJsonAsync<JsonElement>("/api/v1/merchants/m1/products/bag-1/needs", Ct);
        var phrases = before.GetProperty("needs").EnumerateArray().Select(n => n.GetProperty("need").GetString()).ToList();
        phrases.Count.ShouldBeGreaterThanOrEqualTo(2, string.Join(", ", phrases));

        var put = await client.PutAsJsonAsync("/api/v1/merchants/m1/needs/taxonomy", new { synonyms = phrases.Skip(1).ToDictionary(p => p!, _ => phrases[0]) }, Ct);

        put.StatusCode.ShouldBe(HttpStatusCode.OK);
        var after = await client.GetFromJsonAsync<JsonElement>("/api/v1/merchants/m1/products/bag-1/needs", Ct);
        after.GetProperty("needs").EnumerateArray().Select(n => n.GetProperty("need").GetString()).Distinct().ShouldBe([phrases[0]]);
        var other = new HttpClient { BaseAddress = client.BaseAddress };
        other.DefaultRequestHeaders.Add("X-Api-Key", await merchants.AddKeyAsync("m2", Ct));
        var theirs = await other.GetFromJsonAsync<JsonElement>("/api/v1/merchants/m2/needs/taxonomy", Ct);
        theirs.GetProperty("synonyms").EnumerateObject().ShouldBeEmpty();
        (await other.GetAsync(new Uri("/api/v1/merchants/m1/needs/taxonomy", UriKind.Relative), Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_taxonomy_edit_with_an_empty_phrase_is_a_validation_problem()
    {
        var options = cosmos.NewDatabaseOptions();
        await using var factory = new HandlerFactory(options);
        using var client = factory.CreateHttpClient();
        var db = await cosmos.CreateDatabaseAsync(options);
        client.DefaultRequestHeaders.Add("X-Api-Key", await new CosmosMerchantStore(db, TimeProvider.System).AddKeyAsync("m1", Ct));

        var put = await client.PutAsJsonAsync("/api/v1/merchants/m1/needs/taxonomy", new { synonyms = new Dictionary<string, string> { ["bigger"] = "  ?! " } }, Ct);

        put.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        put.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await put.Content.ReadAsStringAsync(Ct)).ShouldContain("synonyms");
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

    private static string Request(params (string Review, string User, string Text)[] reviews) =>
        OpenAiMiningTests.Request("m1", reviews.Select(r => (r.Review, r.User, "phone-1", "elec-phones", r.Text)).ToArray());

    [Fact]
    public async Task A_model_phrase_close_to_a_canonical_need_merges_into_it_and_a_distant_one_stays_its_own_need_without_being_embedded_again()
    {
        await using var server = await OpenAiTestServer.StartAsync(Ct);
        server.Rephrase["longer battery life"] = "longer battery lifetime";
        server.Rephrase["lower price"] = "waterproofing";
        var options = cosmos.NewDatabaseOptions();
        await using var factory = new HandlerFactory(options, Settings(server));
        using var client = factory.CreateHttpClient();
        var db = await cosmos.CreateDatabaseAsync(options);

        var (status, _) = await Invocations.QueueAsync(client, "MineReviews", Request(("r1", "u1", "Battery dies by noon."), ("r2", "u2", "Too expensive for what it is.")), Ct);

        status.ShouldBe(HttpStatusCode.OK);
        var profiles = new CosmosProfileStore(db);
        (await profiles.GetAsync("m1", "u1", Ct))!.Needs.Single().Need.ShouldBe("longer battery life");
        (await profiles.GetAsync("m1", "u2", Ct))!.Needs.Single().Need.ShouldBe("waterproofing");
        var learned = (await new CosmosReviewNeedStore(db, TimeProvider.System).GetTaxonomyAsync("m1", Ct))!.Learned;
        learned["longer battery lifetime"].ShouldBe("longer battery life");
        learned["waterproofing"].ShouldBe("waterproofing");
        var embedded = server.Embedded.Count;

        await Invocations.QueueAsync(client, "MineReviews", Request(("r3", "u3", "The battery runs out fast."), ("r4", "u4", "价格太贵了。")), Ct);

        server.Embedded.Count.ShouldBe(embedded);
        (await profiles.GetAsync("m1", "u3", Ct))!.Needs.Single().Need.ShouldBe("longer battery life");
    }

    [Fact]
    public async Task An_embedding_outage_keeps_the_phrase_unmerged_and_learning_happens_with_a_later_review()
    {
        await using var server = await OpenAiTestServer.StartAsync(Ct);
        server.Rephrase["longer battery life"] = "longer battery lifetime";
        server.EmbeddingsDown = true;
        var options = cosmos.NewDatabaseOptions();
        await using var factory = new HandlerFactory(options, Settings(server));
        using var client = factory.CreateHttpClient();
        var db = await cosmos.CreateDatabaseAsync(options);

        var (status, _) = await Invocations.QueueAsync(client, "MineReviews", Request(("r1", "u1", "Battery dies by noon.")), Ct);

        status.ShouldBe(HttpStatusCode.OK);
        (await new CosmosProfileStore(db).GetAsync("m1", "u1", Ct))!.Needs.Single().Need.ShouldBe("longer battery lifetime");
        (await new CosmosReviewNeedStore(db, TimeProvider.System).GetTaxonomyAsync("m1", Ct)).ShouldBeNull();

        server.EmbeddingsDown = false;
        await Invocations.QueueAsync(client, "MineReviews", Request(("r2", "u2", "The battery runs out fast.")), Ct);

        (await new CosmosProfileStore(db).GetAsync("m1", "u2", Ct))!.Needs.Single().Need.ShouldBe("longer battery life");
        var summary = await new CosmosReviewNeedStore(db, TimeProvider.System).GetSummaryAsync("m1", "phone-1", Ct);
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
        await using var factory = new HandlerFactory(cosmos.NewDatabaseOptions(), new Dictionary<string, string?>
        {
            ["Mining:Miner"] = "lexicon",
            ["Mining:OpenAi:Endpoint"] = "",
            ["Mining:OpenAi:Model"] = "",
            ["Mining:OpenAi:EmbeddingModel"] = "",
        });
        using var client = factory.CreateHttpClient();

        (await client.GetAsync(new Uri("/api/health", UriKind.Relative), Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        factory.Services.GetRequiredService<INeedMiner>().ShouldBeOfType<LexiconNeedMiner>();
    }

    [Fact]
    public async Task The_openai_miner_without_an_endpoint_stops_the_handler_at_start_with_a_message_naming_the_setting()
    {
        await using var factory = new HandlerFactory(cosmos.NewDatabaseOptions(), new Dictionary<string, string?> { ["Mining:Miner"] = "openai" });

        var error = Should.Throw<Microsoft.Extensions.Options.OptionsValidationException>(() => factory.CreateHttpClient());

        error.Message.ShouldContain("Mining:OpenAi:Endpoint");
    }
}
