using Demand.Core.Identifiers;
using System.Text;
using Demand.Core.Events;
using Demand.Core.Ingestion;
using Demand.Core.Storage;
using Demand.Functions.Ingestion;
using Demand.Functions.Tests.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Demand.Functions.Tests.Api;

public sealed class EventsTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<Results<Ok<EventsResponse>, ValidationProblem>> PostAsync(TestApp app, string merchantId, EventsRequest request) =>
        RealtimeEvents.PostEvents(MerchantId.Parse(merchantId), request, app.Get<IFeatureStore>(), app.Get<IIngestionStore>(), app.Get<IProfileScorer>(), app.Get<TimeProvider>(), Ct);

    private static EventRequest Event(string id, string? type, DateTimeOffset? at, string user = "u1", string? category = "coffee-beans", decimal? price = null) =>
        new(id, user, type, at, "p1", category, price, null, null, null, null, null);

    [Fact]
    public async Task Real_time_events_are_validated_merged_once_and_the_profile_is_rescored_in_the_request()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var now = DateTimeOffset.UtcNow;
        var batch = new EventsRequest(
        [
            Event("e1", "view", now.AddMinutes(-5)),
            Event("e2", "purchase", now.AddMinutes(-4), price: 12.5m),
            Event("e2", "purchase", now.AddMinutes(-4), price: 12.5m),
            Event("e3", "teleport", now),
            Event("e4", "view", now.AddDays(30)),
        ]);

        var body = (await PostAsync(app, "m1", batch)).Result.ShouldBeOfType<Ok<EventsResponse>>().Value!;

        body.Accepted.ShouldBe(2);
        body.Duplicates.ShouldBe(1);
        body.Rejected.Select(r => r.Reason).ShouldBe(["unknown_type", "timestamp_in_future"]);
        body.Rejected.Select(r => r.Index).ShouldBe([3, 4]);
        body.UsersRescored.ShouldBe(1);
        body.UsersMerged.ShouldBe(1);
        var profile = await app.Get<IProfileStore>().GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct);
        profile!.Categories.ShouldContain(c => c.CategoryId == "coffee-beans");

        var retried = (await PostAsync(app, "m1", batch)).Result.ShouldBeOfType<Ok<EventsResponse>>().Value!;
        retried.UsersMerged.ShouldBe(0);
        retried.Accepted.ShouldBe(0);
        retried.Duplicates.ShouldBe(3, "one repeat inside the batch and two events counted before");
        var features = await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct);
        features!.EventCount.ShouldBe(2, "a retried batch is merged once");
    }

    [Fact]
    public async Task A_batch_resent_with_one_more_event_counts_only_that_event_and_answers_the_others_as_duplicates()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var now = DateTimeOffset.UtcNow;
        EventRequest[] first = [Event("a1", "view", now.AddMinutes(-9)), Event("a2", "view", now.AddMinutes(-8)), Event("a3", "cart_add", now.AddMinutes(-7))];
        (await PostAsync(app, "m1", new EventsRequest(first))).Result.ShouldBeOfType<Ok<EventsResponse>>().Value!.Accepted.ShouldBe(3);

        var again = (await PostAsync(app, "m1", new EventsRequest([.. first, Event("a4", "purchase", now.AddMinutes(-1), price: 4m)]))).Result.ShouldBeOfType<Ok<EventsResponse>>().Value!;

        again.Accepted.ShouldBe(1);
        again.Duplicates.ShouldBe(3);
        again.UsersMerged.ShouldBe(1);
        var features = await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct);
        features!.EventCount.ShouldBe(4, "3 + 1, not 3 + 4");
        features.MergedParts.ShouldBeEmpty("real-time batches no longer crowd log parts out of the part ledger");
    }

    [Fact]
    public async Task The_first_batch_resent_after_six_hundred_others_is_still_recognised()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var now = DateTimeOffset.UtcNow;
        var first = new EventsRequest([Event("b0", "view", now.AddHours(-12))]);
        (await PostAsync(app, "m1", first)).Result.ShouldBeOfType<Ok<EventsResponse>>().Value!.Accepted.ShouldBe(1);
        // The old ledger forgot a batch after 512 others; the same merge the handler makes, without rescoring 600 times.
        var store = app.Get<IFeatureStore>();
        for (var i = 1; i <= 600; i++)
        {
            var aggregator = new FeatureAggregator("m1");
            aggregator.Add(new BehaviourEvent { EventId = "b" + i, UserId = "u1", Type = EventType.View, Timestamp = now.AddHours(-12).AddSeconds(i), ProductId = "p1", CategoryId = "coffee-beans" });
            await store.MergeAsync(null, aggregator.Partials.Single(), Ct);
        }

        var resent = (await PostAsync(app, "m1", first)).Result.ShouldBeOfType<Ok<EventsResponse>>().Value!;

        resent.Accepted.ShouldBe(0);
        resent.Duplicates.ShouldBe(1);
        (await store.GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct))!.EventCount.ShouldBe(601);
    }

    [Fact]
    public async Task An_event_sent_in_real_time_and_again_in_the_nightly_log_counts_once()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var at = DateTimeOffset.UtcNow.AddHours(-3);
        (await PostAsync(app, "m1", new EventsRequest([Event("order-9", "purchase", at, price: 20m)]))).Result.ShouldBeOfType<Ok<EventsResponse>>().Value!.Accepted.ShouldBe(1);
        var stamp = at.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var log = Encoding.UTF8.GetBytes(
            "{\"eventId\":\"order-9\",\"userId\":\"u1\",\"type\":\"purchase\",\"timestamp\":\"" + stamp + "\",\"productId\":\"p1\",\"categoryId\":\"coffee-beans\",\"price\":20}\n" +
            "{\"eventId\":\"view-10\",\"userId\":\"u1\",\"type\":\"view\",\"timestamp\":\"" + stamp + "\",\"productId\":\"p1\",\"categoryId\":\"coffee-beans\"}\n");

        var result = await Ingestion.IngestLogTests.IngestAsync(app, "m1", "day.jsonl", log);

        result.Report.Accepted.ShouldBe(2);
        result.Report.CountedBefore.ShouldBe(1);
        var features = await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct);
        features!.EventCount.ShouldBe(2);
        features.Categories["coffee-beans"].Counts[(int)EventType.Purchase].ShouldBe(1);
    }

    [Fact]
    public async Task Overlapping_log_parts_count_each_event_id_once()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var at = DateTimeOffset.UtcNow.AddDays(-2);
        string Line(int i, string user) => "{\"eventId\":\"o" + i + "\",\"userId\":\"" + user + "\",\"type\":\"view\",\"timestamp\":\"" +
            at.AddMinutes(i).ToString("O", System.Globalization.CultureInfo.InvariantCulture) + "\",\"productId\":\"p1\",\"categoryId\":\"coffee-beans\"}\n";

        // Monday's export, then Tuesday's that repeats Monday's last hours for u1 (u2 is new in it).
        await Ingestion.IngestLogTests.IngestAsync(app, "m1", "mon.jsonl", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 4).Select(i => Line(i, "u1")))));
        var tuesday = await Ingestion.IngestLogTests.IngestAsync(app, "m1", "tue.jsonl",
            Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(2, 5).Select(i => Line(i, "u1"))) + Line(100, "u2")));

        tuesday.Report.Accepted.ShouldBe(6);
        tuesday.Report.CountedBefore.ShouldBe(2);
        var store = new CosmosFeatureStore(app.Db);
        (await store.GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct))!.EventCount.ShouldBe(7, "o0…o6 once each");
        (await store.GetAsync(MerchantId.Parse("m1"), UserId.Parse("u2"), Ct))!.EventCount.ShouldBe(1);

        var redelivered = await Ingestion.IngestLogTests.IngestAsync(app, "m1", "tue.jsonl",
            Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(2, 5).Select(i => Line(i, "u1"))) + Line(100, "u2")));
        redelivered.Report.UsersMerged.ShouldBe(0);
        (await store.GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct))!.EventCount.ShouldBe(7);
    }

    [Fact]
    public async Task An_event_whose_product_or_category_id_breaks_the_id_rule_is_rejected_with_its_index()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var now = DateTimeOffset.UtcNow.AddMinutes(-1);
        var batch = new EventsRequest([Event("c1", "view", now), Event("c2", "view", now, category: "shoes/boots"), Event("c3", "view", now) with { ProductId = "p?1" }]);

        var body = (await PostAsync(app, "m1", batch)).Result.ShouldBeOfType<Ok<EventsResponse>>().Value!;

        body.Accepted.ShouldBe(1);
        body.Rejected.Select(r => (r.Index, r.Reason)).ShouldBe([(1, "invalid_catalogue_id"), (2, "invalid_catalogue_id")]);
    }

    [Fact]
    public async Task A_batch_checks_only_its_own_shoppers_for_erasure_however_many_tombstones_the_merchant_has()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var privacy = app.Get<IPrivacyStore>();
        for (var i = 0; i < 150; i++)
        {
            await privacy.EraseAsync(MerchantId.Parse("m1"), UserId.Parse("gone" + i), Ct);
        }

        var store = new CountingIngestionStore(app.Get<IIngestionStore>());
        var now = DateTimeOffset.UtcNow.AddMinutes(-1);
        var batch = new EventsRequest([Event("t1", "view", now, user: "a"), Event("t2", "view", now, user: "b"), Event("t3", "view", now, user: "gone7")]);

        var body = (await RealtimeEvents.PostEvents(MerchantId.Parse("m1"), batch, app.Get<IFeatureStore>(), store, app.Get<IProfileScorer>(), app.Get<TimeProvider>(), Ct))
            .Result.ShouldBeOfType<Ok<EventsResponse>>().Value!;

        body.Accepted.ShouldBe(2);
        body.Rejected.ShouldHaveSingleItem().Reason.ShouldBe("user_erased");
        store.TombstoneListReads.ShouldBe(0, "the merchant's 150 tombstones are never loaded for a batch");
        store.ErasedChecks.ShouldBe(3, "one point read per shopper of the batch");
    }

    /// <summary>Counts the erasure lookups a batch makes; everything else goes to the real store.</summary>
    private sealed class CountingIngestionStore(IIngestionStore inner) : IIngestionStore
    {
        public int TombstoneListReads { get; private set; }

        public int ErasedChecks { get; private set; }

        public Task<bool> IsErasedAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken)
        {
            ErasedChecks++;
            return inner.IsErasedAsync(merchantId, userId, cancellationToken);
        }

        public Task<IReadOnlySet<string>> GetTombstonesAsync(MerchantId merchantId, CancellationToken cancellationToken)
        {
            TombstoneListReads++;
            return inner.GetTombstonesAsync(merchantId, cancellationToken);
        }

        public Task<LogMapping> GetMappingAsync(MerchantId merchantId, CancellationToken cancellationToken) => inner.GetMappingAsync(merchantId, cancellationToken);

        public Task<StoredMapping?> GetStoredMappingAsync(MerchantId merchantId, CancellationToken cancellationToken) => inner.GetStoredMappingAsync(merchantId, cancellationToken);

        public Task<StoredMapping> SaveMappingAsync(MerchantId merchantId, LogMapping mapping, CancellationToken cancellationToken) => inner.SaveMappingAsync(merchantId, mapping, cancellationToken);

        public Task<bool> DeleteMappingAsync(MerchantId merchantId, CancellationToken cancellationToken) => inner.DeleteMappingAsync(merchantId, cancellationToken);

        public Task SaveReportAsync(IngestionReport report, CancellationToken cancellationToken) => inner.SaveReportAsync(report, cancellationToken);

        public Task<IngestionReport?> GetReportAsync(MerchantId merchantId, string reportId, CancellationToken cancellationToken) => inner.GetReportAsync(merchantId, reportId, cancellationToken);

        public Task<ReportPage> ListReportsAsync(MerchantId merchantId, DateTimeOffset? since, string? after, int limit, CancellationToken cancellationToken) =>
            inner.ListReportsAsync(merchantId, since, after, limit, cancellationToken);

        public Task<IReadOnlyList<MergedContent>> GetMergedContentAsync(MerchantId merchantId, CancellationToken cancellationToken) => inner.GetMergedContentAsync(merchantId, cancellationToken);

        public Task SaveMergedContentAsync(MergedContent content, CancellationToken cancellationToken) => inner.SaveMergedContentAsync(content, cancellationToken);
    }

    [Fact]
    public async Task Events_of_an_erased_shopper_are_rejected_and_change_nothing()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        await app.Get<IPrivacyStore>().EraseAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct);

        var body = (await PostAsync(app, "m1", new EventsRequest([Event("e1", "view", DateTimeOffset.UtcNow.AddMinutes(-1))]))).Result.ShouldBeOfType<Ok<EventsResponse>>().Value!;

        body.Accepted.ShouldBe(0);
        body.Rejected.ShouldHaveSingleItem().Reason.ShouldBe("user_erased");
        (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct)).ShouldBeNull();
        (await app.Get<IProfileStore>().GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task An_empty_or_oversized_batch_is_a_validation_problem()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);

        var empty = await PostAsync(app, "m1", new EventsRequest([]));
        var missing = await PostAsync(app, "m1", new EventsRequest(null));
        var tooMany = await PostAsync(app, "m1", new EventsRequest(Enumerable.Range(0, 501).Select(i => Event("e" + i, "view", DateTimeOffset.UtcNow)).ToList()));

        foreach (var result in new[] { empty, missing, tooMany })
        {
            result.Result.ShouldBeOfType<ValidationProblem>().ProblemDetails.Errors.Keys.ShouldBe(["events"]);
        }

        (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task The_function_refuses_bodies_that_are_not_json_too_large_or_malformed_before_touching_state()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var function = app.Function<EventFunctions>();

        HttpRequest Request(string body, string? contentType, long? length = null)
        {
            var context = new DefaultHttpContext();
            context.Request.RouteValues["merchantId"] = "m1";
            context.Request.Method = "POST";
            context.Request.ContentType = contentType;
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = length ?? bytes.Length;
            return context.Request;
        }

        var text = await function.PostEvents(Request("{\"events\":[]}", "text/plain"), Ct);
        var large = await function.PostEvents(Request("{\"events\":[]}", "application/json", RealtimeEvents.MaxBodyBytes + 1), Ct);
        var malformed = await function.PostEvents(Request("{\"events\":[{\"eventId\":", "application/json"), Ct);
        var valid = await function.PostEvents(Request("{\"events\":[{\"eventId\":\"e1\",\"userId\":\"u1\",\"type\":\"view\",\"timestamp\":\"" + DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture) + "\",\"categoryId\":\"c1\"}]}", "application/json"), Ct);

        text.Result.ShouldBeOfType<ProblemHttpResult>().StatusCode.ShouldBe(StatusCodes.Status415UnsupportedMediaType);
        large.Result.ShouldBeOfType<ProblemHttpResult>().StatusCode.ShouldBe(StatusCodes.Status413PayloadTooLarge);
        malformed.Result.ShouldBeOfType<ValidationProblem>().ProblemDetails.Errors.Keys.ShouldBe(["body"]);
        valid.Result.ShouldBeOfType<Ok<EventsResponse>>().Value!.Accepted.ShouldBe(1);
    }

    [Fact]
    public async Task Null_and_malformed_events_are_rejected_by_index_while_the_valid_ones_are_kept()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var now = DateTimeOffset.UtcNow;
        var events = new List<EventRequest?> { null, null, Event("ok1", "view", now.AddMinutes(-1)) };

        var body = (await RealtimeEvents.AcceptAsync(MerchantId.Parse("m1"), events, new Dictionary<int, string> { [1] = "invalid_field:price" },
            app.Get<IFeatureStore>(), app.Get<IIngestionStore>(), app.Get<IProfileScorer>(), app.Get<TimeProvider>(), Ct)).Result.ShouldBeOfType<Ok<EventsResponse>>().Value!;

        body.Accepted.ShouldBe(1);
        body.Rejected.Select(r => (r.Index, r.Reason)).ShouldBe([(0, "invalid_event"), (1, "invalid_field:price")]);
    }
}
