using Demand.Core.Identifiers;
// The API's handlers, in process over real Cosmos. What needs the host's routing and the worker's middleware runs in
// tests/Demand.EndToEnd.Tests (ApiTests): 401 before the body is read, another merchant's key answering 404 on every
// route (erase and events included), 429 with Retry-After per verified key, malformed events, OpenAPI and health.
// Not yet end to end, kept here as intent: path tricks ("MB", "ma/../mb", "ma%2F..%2Fmb"), function keys (?code=,
// x-functions-key) ignored and never logged, a revoked key over HTTP within Api:KeyCacheSeconds (the cache itself:
// KeyCacheTests), PUT taxonomy with a wrong content type, POST events over 1 MiB answering 413.
using System.Reflection;
using System.Text;
using System.Text.Json;
using Demand.Core.Profiles;
using Demand.Core.Storage;
using Demand.Functions.Dashboard;
using Demand.Functions.Ingestion;
using Demand.Functions.Insights;
using Demand.Functions.Merchants;
using Demand.Functions.Mining;
using Demand.Functions.Profiles;
using Demand.Functions.Tests.Infrastructure;
using Demand.Functions.Tests.Ingestion;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Tests.Api;

/// <summary>The named HTTP handlers on real Cosmos stores, called as the HTTP functions call them (tenant already verified).</summary>
public sealed class ApiTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<TestApp> StartAsync(CosmosServerFixture server)
    {
        var app = await TestApp.StartAsync(server.NewDatabaseOptions(), Ct);
        var profiles = app.Get<IProfileStore>();
        foreach (var (merchant, user) in new[] { ("ma", "u1"), ("mb", "u2") })
        {
            await profiles.UpdateAsync(MerchantId.Parse(merchant), UserId.Parse(user), p =>
            {
                p.ModelVersion = "demand-mlp-2";
                p.UpdatedAt = DateTimeOffset.UtcNow;
                p.Categories = [new CategoryPropensity { CategoryId = "coffee-beans", Propensity = 0.8, ExpectedNextPurchase = new DateOnly(2026, 11, 27), Reasons = [new Reason("last bought 20 days ago", 0.3)] }];
                p.Needs = [new UserNeed { Need = "longer battery life", Aspect = "battery", Polarity = "negative", Severity = 3, Evidence = [new NeedEvidence("r1", "battery dies by noon")] }];
            }, Ct);
        }

        return app;
    }

    private static void ShouldBeNotFound(IResult result, string because) =>
        result.ShouldBeOfType<ProblemHttpResult>(because).StatusCode.ShouldBe(StatusCodes.Status404NotFound, because);

    private static HttpRequest Get(string query = "", params (string Name, string Value)[] route)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.QueryString = new QueryString(query);
        foreach (var (name, value) in route)
        {
            context.Request.RouteValues[name] = value;
        }

        return context.Request;
    }

    [Fact]
    public async Task A_storefront_reads_a_profile_and_gets_304_when_it_has_not_changed()
    {
        await using var app = await StartAsync(cosmos);
        var profiles = app.Get<IProfileStore>();
        var context = new DefaultHttpContext();

        var ok = (await ProfileHandlers.GetProfile(MerchantId.Parse("ma"), UserId.Parse("u1"), context, profiles, Ct)).Result.ShouldBeOfType<Ok<ProfileResponse>>().Value!;

        ok.Categories[0].CategoryId.ShouldBe("coffee-beans");
        ok.Categories[0].ExpectedNextPurchase.ShouldBe(new DateOnly(2026, 11, 27));
        ok.Needs[0].Evidence[0].Text.ShouldBe("battery dies by noon");
        var wire = JsonSerializer.Serialize(ok, JsonSerializerOptions.Web);
        wire.ShouldContain("\"expectedNextPurchase\":\"2026-11-27\"");
        wire.ShouldNotContain("etag", Case.Insensitive, "storage fields are not part of the wire contract");
        var etag = context.Response.Headers.ETag.ToString();
        etag.ShouldStartWith("\"");
        context.Response.Headers.CacheControl.ToString().ShouldBe("private, max-age=60");

        var again = new DefaultHttpContext();
        again.Request.Headers.IfNoneMatch = etag;
        (await ProfileHandlers.GetProfile(MerchantId.Parse("ma"), UserId.Parse("u1"), again, profiles, Ct)).Result.ShouldBeOfType<StatusCodeHttpResult>().StatusCode.ShouldBe(StatusCodes.Status304NotModified);
        again.Response.Headers.ETag.ToString().ShouldBe(etag);

        await profiles.UpdateAsync(MerchantId.Parse("ma"), UserId.Parse("u1"), p => p.UpdatedAt = DateTimeOffset.UtcNow.AddSeconds(1), Ct);
        var changed = new DefaultHttpContext();
        changed.Request.Headers.IfNoneMatch = etag;
        (await ProfileHandlers.GetProfile(MerchantId.Parse("ma"), UserId.Parse("u1"), changed, profiles, Ct)).Result.ShouldBeOfType<Ok<ProfileResponse>>();
        changed.Response.Headers.ETag.ToString().ShouldNotBe(etag);
    }

    [Fact]
    public async Task Unknown_users_and_another_merchants_users_are_not_found_the_same_way()
    {
        await using var app = await StartAsync(cosmos);
        var profiles = app.Get<IProfileStore>();

        ShouldBeNotFound((await ProfileHandlers.GetProfile(MerchantId.Parse("ma"), UserId.Parse("nobody"), new DefaultHttpContext(), profiles, Ct)).Result, "unknown user");
        ShouldBeNotFound((await ProfileHandlers.GetProfile(MerchantId.Parse("ma"), UserId.Parse("u2"), new DefaultHttpContext(), profiles, Ct)).Result, "mb's user read as ma");
        ShouldBeNotFound((await ProfileHandlers.GetRecommendations(MerchantId.Parse("ma"), UserId.Parse("u2"), null, profiles, Ct)).Result, "mb's user read as ma");
        ShouldBeNotFound((await PrivacyHandlers.Export(MerchantId.Parse("ma"), UserId.Parse("u2"), new DefaultHttpContext(), app.Get<IPrivacyStore>(), Ct)).Result, "mb's user exported as ma");
    }

    [Fact]
    public async Task Recommendations_list_the_strongest_categories_and_unmet_needs_and_validate_k()
    {
        await using var app = await StartAsync(cosmos);
        var profiles = app.Get<IProfileStore>();

        var ok = (await ProfileHandlers.GetRecommendations(MerchantId.Parse("ma"), UserId.Parse("u1"), 3, profiles, Ct)).Result.ShouldBeOfType<Ok<RecommendationsResponse>>().Value!;
        ok.Categories.Count.ShouldBe(1);
        ok.Needs[0].Need.ShouldBe("longer battery life");

        foreach (var k in new int?[] { 0, 51, -1 })
        {
            (await ProfileHandlers.GetRecommendations(MerchantId.Parse("ma"), UserId.Parse("u1"), k, profiles, Ct)).Result.ShouldBeOfType<ValidationProblem>().ProblemDetails.Errors["k"].Length.ShouldBe(1);
        }

        var malformed = await app.Function<ProfileFunctions>().GetRecommendations(Get("?k=three", ("merchantId", "ma"), ("userId", "u1")), Ct);
        malformed.Result.ShouldBeOfType<ValidationProblem>().ProblemDetails.Errors.Keys.ShouldBe(["k"]);
        var viaFunction = await app.Function<ProfileFunctions>().GetRecommendations(Get("?k=1", ("merchantId", "ma"), ("userId", "u1")), Ct);
        viaFunction.Result.ShouldBeOfType<Ok<RecommendationsResponse>>().Value!.UserId.ShouldBe("u1");
    }

    [Fact]
    public async Task Erasure_removes_the_user_everywhere_and_a_replayed_log_does_not_bring_them_back()
    {
        await using var app = await StartAsync(cosmos);
        var privacy = app.Get<IPrivacyStore>();
        var log = Encoding.UTF8.GetBytes("{\"eventId\":\"e1\",\"userId\":\"u1\",\"type\":\"view\",\"timestamp\":\"" + DateTimeOffset.UtcNow.AddDays(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture) + "\",\"productId\":\"p\",\"categoryId\":\"c\"}\n");
        await IngestLogTests.IngestAsync(app, "ma", "day1.jsonl", log);
        var exportContext = new DefaultHttpContext();
        var export = (await PrivacyHandlers.Export(MerchantId.Parse("ma"), UserId.Parse("u1"), exportContext, privacy, Ct)).Result.ShouldBeOfType<Ok<UserExport>>().Value!;
        exportContext.Response.Headers.CacheControl.ToString().ShouldBe("no-store", "personal data is never cached");
        export.Features.ShouldNotBeNull().ValueKind.ShouldBe(JsonValueKind.Object);
        export.Profile.ShouldNotBeNull();

        var erased = await PrivacyHandlers.Erase(MerchantId.Parse("ma"), UserId.Parse("u1"), privacy, Ct);
        var unknown = await PrivacyHandlers.Erase(MerchantId.Parse("ma"), UserId.Parse("never-existed"), privacy, Ct);

        // Idempotent either way; `existed` is for the merchant's own erasure records (it holds the key, so nothing leaks).
        erased.Value!.Existed.ShouldBeTrue();
        unknown.Value!.Existed.ShouldBeFalse();
        erased.Value.Detail.ShouldBe(unknown.Value.Detail);
        ShouldBeNotFound((await ProfileHandlers.GetProfile(MerchantId.Parse("ma"), UserId.Parse("u1"), new DefaultHttpContext(), app.Get<IProfileStore>(), Ct)).Result, "erased profile");
        ShouldBeNotFound((await PrivacyHandlers.Export(MerchantId.Parse("ma"), UserId.Parse("u1"), new DefaultHttpContext(), privacy, Ct)).Result, "erased export");
        var replayed = await IngestLogTests.IngestAsync(app, "ma", "day1-replayed.jsonl", log);
        replayed.ScoreRequests.ShouldBeEmpty();
        (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse("ma"), UserId.Parse("u1"), Ct)).ShouldBeNull();
        (await app.Get<IProfileStore>().GetAsync(MerchantId.Parse("mb"), UserId.Parse("u2"), Ct)).ShouldNotBeNull("another merchant's users are untouched");
        foreach (var container in new[] { app.Db.Features, app.Db.Profiles, app.Db.ReviewNeeds, app.Db.Insights, app.Db.Merchants })
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
    public async Task Ingestion_reports_are_readable_by_id_and_malformed_or_foreign_ids_are_not_found()
    {
        await using var app = await StartAsync(cosmos);
        var store = app.Get<IIngestionStore>();
        var log = Encoding.UTF8.GetBytes("{\"eventId\":\"e1\",\"userId\":\"u9\",\"type\":\"view\",\"timestamp\":\"" + DateTimeOffset.UtcNow.AddDays(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture) + "\",\"categoryId\":\"c\"}\nbad line\n");
        var partId = (await IngestLogTests.IngestAsync(app, "ma", "d.jsonl", log)).Report.PartId;

        var report = (await IngestionHandlers.GetIngestion(MerchantId.Parse("ma"), partId, store, Ct)).Result.ShouldBeOfType<Ok<IngestionResponse>>().Value!;

        report.Id.ShouldBe(partId);
        report.Accepted.ShouldBe(1);
        report.RejectsByReason["invalid_json"].ShouldBe(1);
        foreach (var id in new[] { partId.ToUpperInvariant(), "../" + partId, partId + "/x", new string('a', 65), "0123abcd", "" })
        {
            ShouldBeNotFound((await IngestionHandlers.GetIngestion(MerchantId.Parse("ma"), id, store, Ct)).Result, "id '" + id + "'");
        }

        ShouldBeNotFound((await IngestionHandlers.GetIngestion(MerchantId.Parse("mb"), partId, store, Ct)).Result, "ma's report read as mb");
    }

    [Fact]
    public async Task Segment_reads_validate_limit_score_and_continuation_and_an_unknown_segment_is_not_found()
    {
        await using var app = await StartAsync(cosmos);
        var store = app.Get<CosmosInsightsStore>();
        var segments = app.Function<InsightFunctions>();

        ShouldBeNotFound((await InsightHandlers.GetSegment(MerchantId.Parse("ma"), "coffee-beans", null, null, null, store, Ct)).Result, "no nightly run yet");
        ShouldBeNotFound((await InsightHandlers.GetDemand(MerchantId.Parse("ma"), store, Ct)).Result, "no forecast yet");
        (await InsightHandlers.GetSegment(MerchantId.Parse("ma"), "c1", null, 0, null, store, Ct)).Result.ShouldBeOfType<ValidationProblem>();
        (await InsightHandlers.GetSegment(MerchantId.Parse("ma"), "c1", null, 501, null, store, Ct)).Result.ShouldBeOfType<ValidationProblem>();
        (await InsightHandlers.GetSegment(MerchantId.Parse("ma"), "c1", 1.5, null, null, store, Ct)).Result.ShouldBeOfType<ValidationProblem>();
        (await InsightHandlers.GetSegment(MerchantId.Parse("ma"), "c1", null, null, "not-a-token", store, Ct)).Result.ShouldBeOfType<ValidationProblem>().ProblemDetails.Errors.Keys.ShouldBe(["continuation"]);
        (await segments.GetSegment(Get("?limit=ten", ("merchantId", "ma"), ("categoryId", "c1")), Ct)).Result.ShouldBeOfType<ValidationProblem>().ProblemDetails.Errors.Keys.ShouldBe(["limit"]);
        (await segments.GetSegment(Get("?minScore=NaN", ("merchantId", "ma"), ("categoryId", "c1")), Ct)).Result.ShouldBeOfType<ValidationProblem>().ProblemDetails.Errors.Keys.ShouldBe(["minScore"]);
    }

    [Fact]
    public async Task Need_reads_are_not_found_before_any_review_and_the_taxonomy_shows_the_built_in_table()
    {
        await using var app = await StartAsync(cosmos);
        var store = app.Get<CosmosReviewNeedStore>();

        ShouldBeNotFound((await ProductHandlers.GetProductNeeds(MerchantId.Parse("ma"), "p1", store, Ct)).Result, "product without reviews");
        ShouldBeNotFound((await NeedHandlers.GetCategoryNeeds(MerchantId.Parse("ma"), "c1", store, Ct)).Result, "category without reviews");
        var taxonomy = (await NeedHandlers.GetTaxonomy(MerchantId.Parse("ma"), store, Ct)).Value!;
        taxonomy.Synonyms.ShouldBeEmpty();
        taxonomy.BuiltIn.ShouldNotBeEmpty();
        taxonomy.UpdatedAt.ShouldBeNull();
    }

    [Fact]
    public async Task Mining_usage_is_zero_for_a_month_without_mining_counts_mined_reviews_and_validates_the_month()
    {
        await using var app = await StartAsync(cosmos);
        var store = app.Get<CosmosReviewNeedStore>();
        var time = app.Get<TimeProvider>();
        await app.Get<Demand.Infrastructure.Mining.ReviewMiningService>().MineAsync(new Core.Messaging.MineRequest
        {
            MerchantId = "ma", PartId = "p1",
            Reviews = [new Core.Messaging.ReviewToMine { ReviewId = "r1", UserId = "u1", ProductId = "p1", Text = "Battery dies by noon.", Rating = 1, Timestamp = DateTimeOffset.UtcNow.AddDays(-1) }],
        }, Ct);

        var thisMonth = (await NeedHandlers.GetUsage(MerchantId.Parse("ma"), null, store, time, Ct)).Result.ShouldBeOfType<Ok<MiningUsageResponse>>().Value!;
        var old = (await NeedHandlers.GetUsage(MerchantId.Parse("ma"), "2001-01", store, time, Ct)).Result.ShouldBeOfType<Ok<MiningUsageResponse>>().Value!;
        var other = (await NeedHandlers.GetUsage(MerchantId.Parse("mb"), null, store, time, Ct)).Result.ShouldBeOfType<Ok<MiningUsageResponse>>().Value!;

        thisMonth.Reviews.ShouldBe(1);
        thisMonth.Month.ShouldBe(time.GetUtcNow().ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture));
        (old.Reviews, old.UpdatedAt).ShouldBe((0L, null));
        other.Reviews.ShouldBe(0);
        foreach (var month in new[] { "2026-13", "26-11", "November" })
        {
            (await NeedHandlers.GetUsage(MerchantId.Parse("ma"), month, store, time, Ct)).Result.ShouldBeOfType<ValidationProblem>().ProblemDetails.Errors.Keys.ShouldBe(["month"]);
        }
    }

    [Fact]
    public async Task The_openapi_document_describes_every_http_function_route_with_its_operation_id_and_the_api_key_scheme()
    {
        using var document = JsonDocument.Parse(await new ApiDescription().JsonAsync(Ct));
        var root = document.RootElement;
        var paths = root.GetProperty("paths");
        var functions = typeof(FunctionNames).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Select(m => (Function: m.GetCustomAttribute<FunctionAttribute>(), Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).OfType<HttpTriggerAttribute>().SingleOrDefault()))
            .Where(f => f.Function is not null && f.Trigger is not null)
            // The dashboard's routes are its page's, behind a session cookie: not part of the API the document describes.
            .Where(f => !DashboardRoutes.IsDashboardFunction(f.Function!.Name))
            .ToList();
        var routes = typeof(ApiRoutes).GetFields().Where(f => f.IsLiteral && f.Name is not (nameof(ApiRoutes.Prefix) or nameof(ApiRoutes.Merchant))).Select(f => (string)f.GetRawConstantValue()!).ToList();

        functions.Count.ShouldBeGreaterThan(10);
        functions.Select(f => f.Trigger!.Route!).Distinct().Order(StringComparer.Ordinal).ShouldBe(routes.Order(StringComparer.Ordinal), "every ApiRoutes route is an HTTP function");
        foreach (var (function, trigger) in functions.Where(f => f.Trigger!.Route != ApiRoutes.OpenApi))
        {
            // The document describes the API, not itself.
            var path = ApiRoutes.Prefix + trigger!.Route;
            paths.TryGetProperty(path, out var item).ShouldBeTrue("paths lack " + path);
            var operation = item.GetProperty(trigger.Methods!.Single().ToLowerInvariant());
            operation.GetProperty("operationId").GetString().ShouldBe(function!.Name);
            var secured = operation.TryGetProperty("security", out var security) && security.EnumerateArray().Any(r => r.TryGetProperty("ApiKey", out _));
            secured.ShouldBe(trigger.Route!.StartsWith(ApiRoutes.Merchant, StringComparison.Ordinal), path + " security");
        }

        paths.EnumerateObject().ShouldAllBe(p => p.Name.StartsWith("/api/", StringComparison.Ordinal));
        var scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        scheme.GetProperty("type").GetString().ShouldBe("apiKey");
        scheme.GetProperty("in").GetString().ShouldBe("header");
        scheme.GetProperty("name").GetString().ShouldBe(ApiKeyMiddleware.Header);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_dashboard_key_routes_as_needing_a_dashboard_session_never_an_api_key()
    {
        using var document = JsonDocument.Parse(await new ApiDescription().JsonAsync(Ct));
        var root = document.RootElement;
        var keys = root.GetProperty("paths").GetProperty(ApiRoutes.Prefix + DashboardRoutes.Keys);
        var key = root.GetProperty("paths").GetProperty(ApiRoutes.Prefix + DashboardRoutes.Key);
        foreach (var (operation, id) in new[] { (keys.GetProperty("get"), "DashboardListKeys"), (keys.GetProperty("post"), "DashboardCreateKey"), (key.GetProperty("delete"), "DashboardRevokeKey") })
        {
            operation.GetProperty("operationId").GetString().ShouldBe(id);
            var schemes = operation.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).ToList();
            schemes.ShouldBe(["DashboardSession"], id);
        }

        var scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty("DashboardSession");
        scheme.GetProperty("in").GetString().ShouldBe("cookie");
        scheme.GetProperty("name").GetString().ShouldBe(DashboardSessions.CookieName);
    }

    [Theory]
    [InlineData("\"abc\"", true)]
    [InlineData("W/\"abc\"", true)]
    [InlineData("\"x\", \"abc\"", true)]
    [InlineData("\"x\", W/\"abc\"", true)]
    [InlineData("*", true)]
    [InlineData("\"x\"", false)]
    [InlineData("abc", false)]
    [InlineData("", false)]
    public void If_none_match_compares_lists_weak_tags_and_star_as_http_says(string header, bool notModified) =>
        ProfileHandlers.NotModified(header.Length == 0 ? default : new Microsoft.Extensions.Primitives.StringValues(header), "\"abc\"").ShouldBe(notModified);
}
