using System.Text.Json;
using Demand.Core;
using Demand.Core.Insights;
using Demand.Core.Messaging;
using Demand.Core.Profiles;
using Demand.Tooling.Synthetic;
using Demand.Functions.Insights;
using Demand.Functions.Nightly;
using Demand.Functions.Scoring;
using Demand.Functions.Tests.Infrastructure;
using Demand.Functions.Tests.Ingestion;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Tests.Nightly;

/// <summary>
/// NightlyRescore (<see cref="NightlyDispatch"/>) and NightlyMerchant (<see cref="NightlyMerchantRun"/>) as the host
/// drives them: the dispatch's returned messages stand for the <c>nightly-merchants</c> queue (with a message id that
/// is stable across redeliveries), a merchant run's returned score requests for what the host writes on success; a
/// thrown exception is a failed invocation whose outputs the host discards.
/// </summary>
public sealed class NightlyRescoreTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Yesterday 02:01 UTC: a night whose schedule (02:00) has passed, with generated days before it.</summary>
    private static readonly DateTimeOffset Night1 = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(-1).AddHours(2).AddMinutes(1);

    /// <summary>A queued nightly-merchants message as the host would hold it: id stable across redeliveries.</summary>
    private sealed record Queued(string Id, NightlyMerchantRequest Request)
    {
        public string MerchantId => Request.MerchantId;
    }

    private static async Task<List<Queued>> DispatchAsync(TestApp app) =>
        (await app.Get<NightlyDispatch>().RunAsync(Ct)).Select(r => new Queued(Guid.NewGuid().ToString(), r)).ToList();

    private static Task<IReadOnlyList<ScoreRequest>> ProcessAsync(TestApp app, Queued message) =>
        app.Get<NightlyMerchantRun>().RunAsync(message.Request, message.Id, Ct);

    private static Task<TestApp> StartAsync(CosmosOptions options, TimeProvider time, INightlyHooks? hooks = null) =>
        TestApp.StartAsync(options, Ct, services: s =>
        {
            s.AddSingleton(time);
            if (hooks is not null)
            {
                s.AddSingleton(hooks);
            }
        });

    /// <summary>Merchants with keys, the same generated logs ingested for each, and pre-night profiles for segments.</summary>
    private async Task SeedAsync(CosmosOptions options, IReadOnlyList<string> merchants)
    {
        await using var app = await StartAsync(options, new FixedTime(Night1));
        var folder = Directory.CreateTempSubdirectory("demand-nightly-").FullName;
        try
        {
            var written = MarketWriter.Write(new MarketOptions { Users = 30, Days = 6, Seed = 5, Start = DateOnly.FromDateTime(Night1.UtcDateTime).AddDays(-7) }, folder);
            var profiles = new CosmosProfileStore(app.Db);
            foreach (var merchantId in merchants)
            {
                await new CosmosMerchantStore(app.Db, TimeProvider.System).AddKeyAsync(merchantId, Ct);
                foreach (var file in written.Files)
                {
                    var name = Path.GetRelativePath(Path.Combine(folder, "logs", "m1"), file).Replace('\\', '/');
                    await IngestLogTests.IngestAsync(app, merchantId, name, await File.ReadAllBytesAsync(file, Ct));
                }

                for (var u = 0; u < 12; u++)
                {
                    var propensity = Math.Round(1 - (u / 12.0), 4);
                    await profiles.UpdateAsync(merchantId, $"s{u:D3}", p => p.Categories = [new CategoryPropensity { CategoryId = "coffee-beans", Propensity = propensity }], Ct);
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Scores every request as ScoreUsers would, then returns profiles and segment/forecast documents as comparable JSON.</summary>
    private static async Task<(string Profiles, string Insights)> ScoreAndSnapshotAsync(TestApp app, IReadOnlyList<string> merchants, IEnumerable<ScoreRequest> requests)
    {
        var function = app.Function<ScoreUsersFunction>();
        foreach (var request in requests)
        {
            await function.Run(JsonSerializer.Serialize(request, DemandJson.Options), Ct);
        }

        return (await SnapshotAsync(app.Db.Profiles, merchants, _ => true), await SnapshotAsync(app.Db.Insights, merchants, d => d.GetProperty("type").GetString() is "segment" or "demandForecast"));
    }

    private static async Task<string> SnapshotAsync(Container container, IReadOnlyList<string> merchants, Func<JsonElement, bool> include)
    {
        var documents = new List<(string Key, string Json)>();
        foreach (var merchantId in merchants)
        {
            var query = new QueryDefinition("SELECT * FROM c WHERE c.merchantId = @m").WithParameter("@m", merchantId);
            using var feed = container.GetItemQueryIterator<JsonElement>(query, requestOptions: new QueryRequestOptions { EnableOptimisticDirectExecution = true });
            while (feed.HasMoreResults)
            {
                foreach (var document in (await feed.ReadNextAsync(Ct)).Where(include))
                {
                    var fields = document.EnumerateObject().Where(p => !p.Name.StartsWith('_')).OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => "\"" + p.Name + "\":" + p.Value.GetRawText());
                    documents.Add((document.GetProperty("merchantId").GetString() + "/" + document.GetProperty("id").GetString(), "{" + string.Join(',', fields) + "}"));
                }
            }
        }

        return string.Join('\n', documents.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => d.Json));
    }

    [Fact]
    public async Task The_nightly_run_queues_every_active_user_and_builds_stable_segment_pages_and_a_forecast()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var folder = Directory.CreateTempSubdirectory("demand-nightly-").FullName;
        try
        {
            var written = MarketWriter.Write(new MarketOptions { Users = 60, Days = 10, Seed = 5, Start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-10) }, folder);
            foreach (var file in written.Files)
            {
                await IngestLogTests.IngestAsync(app, "m1", Path.GetFileName(Path.GetDirectoryName(file)) + "/p.jsonl", await File.ReadAllBytesAsync(file, Ct));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        var profiles = new CosmosProfileStore(app.Db);
        for (var u = 0; u < 250; u++)
        {
            var propensity = Math.Round(1 - (u / 250.0), 4);
            await profiles.UpdateAsync("m1", $"s{u:D3}", p => p.Categories = [new CategoryPropensity { CategoryId = "coffee-beans", Propensity = propensity }], Ct);
        }

        await new CosmosMerchantStore(app.Db, TimeProvider.System).AddKeyAsync("m1", Ct);

        var dispatched = await DispatchAsync(app);
        var queued = await ProcessAsync(app, dispatched.ShouldHaveSingleItem());

        queued.ShouldAllBe(r => r.Cause == ScoreCause.Nightly && r.UserIds.Count <= ScoreRequest.MaxUsers);
        queued.SelectMany(r => r.UserIds).Distinct().Count().ShouldBeGreaterThan(40);

        var store = app.Get<CosmosInsightsStore>();
        var seen = new List<string>();
        string? continuation = null;
        var pages = 0;
        do
        {
            var page = (await InsightHandlers.GetSegment("m1", "coffee-beans", 0.1, 70, continuation, store, Ct)).Result.ShouldBeOfType<Ok<SegmentResponse>>().Value!;
            seen.AddRange(page.Members.Select(m => m.UserId));
            continuation = page.Continuation;
            pages++;
        }
        while (continuation is not null && pages < 100);

        pages.ShouldBeGreaterThan(1, "the segment is read in several pages");
        seen.Count.ShouldBe(seen.Distinct().Count(), "pages never repeat a shopper");
        seen.ShouldBe(Enumerable.Range(0, 250).Where(u => Math.Round(1 - (u / 250.0), 4) >= 0.1).Select(u => $"s{u:D3}").ToList());
        var forecast = (await InsightHandlers.GetDemand("m1", store, Ct)).Result.ShouldBeOfType<Ok<DemandForecastResponse>>().Value!;
        forecast.Categories.ShouldContain(c => c.CategoryId == "coffee-beans" && c.Shoppers >= 250);
    }

    [Fact]
    public async Task A_timer_firing_while_a_run_holds_the_lease_starts_nothing()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        await new CosmosMerchantStore(app.Db, TimeProvider.System).AddKeyAsync("m1", Ct);
        var store = new CosmosInsightsStore(app.Db, TimeProvider.System);
        (await store.TryAcquireLeaseAsync("another-instance", TimeSpan.FromMinutes(30), Ct)).ShouldBeTrue();

        var held = await app.Get<NightlyDispatch>().RunAsync(Ct);

        held.ShouldBeEmpty();
        app.Logs.Lines.ShouldContain(l => l.Contains("holds the lease", StringComparison.Ordinal));
        await store.ReleaseLeaseAsync(Ct);
        var rerun = await app.Get<NightlyDispatch>().RunAsync(Ct);
        rerun.ShouldHaveSingleItem().MerchantId.ShouldBe("m1");
        app.Logs.Lines.ShouldContain(l => l.Contains("1 dispatched", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_run_killed_half_way_and_rerun_yields_the_profiles_and_segments_of_one_clean_run_and_emits_each_merchants_score_requests_once()
    {
        string[] merchants = ["m1", "m2", "m3", "m4"];
        var time = new FixedTime(Night1);

        var clean = cosmos.NewDatabaseOptions();
        await SeedAsync(clean, merchants);
        (string Profiles, string Insights) expected;
        var cleanRequests = new List<ScoreRequest>();
        await using (var app = await StartAsync(clean, time))
        {
            foreach (var message in await DispatchAsync(app))
            {
                cleanRequests.AddRange(await ProcessAsync(app, message));
            }

            expected = await ScoreAndSnapshotAsync(app, merchants, cleanRequests);
        }

        var crashed = cosmos.NewDatabaseOptions();
        await SeedAsync(crashed, merchants);
        var emitted = new List<ScoreRequest>();
        List<Queued> queue;
        await using (var app = await StartAsync(crashed, time, new CrashAfterMerchants(2)))
        {
            // First process: two merchants finish, the third crashes in the worst place (its score-requests marked, not
            // yet returned: the host discards them), and the process dies with the fourth still queued.
            queue = await DispatchAsync(app);
            queue.Select(m => m.MerchantId).ShouldBe(merchants);
            for (var i = 0; i < 2; i++)
            {
                emitted.AddRange(await ProcessAsync(app, queue[i]));
            }

            await Should.ThrowAsync<InvalidOperationException>(() => ProcessAsync(app, queue[2]));
        }

        await using (var app = await StartAsync(crashed, time))
        {
            // A new process: the timer fires again for the same night (a rerun), then the host delivers what is queued:
            // the crashed message again (same id), the fourth, and whatever the rerun dispatched.
            var rerun = await DispatchAsync(app);
            rerun.Select(m => m.MerchantId).ShouldBe(["m4"], "finished merchants and the one awaiting its retry are not dispatched again");
            foreach (var message in new[] { queue[2], queue[3] }.Concat(rerun))
            {
                emitted.AddRange(await ProcessAsync(app, message));
            }

            (await DispatchAsync(app)).ShouldBeEmpty("the night is finished");
            var actual = await ScoreAndSnapshotAsync(app, merchants, emitted);

            foreach (var merchantId in merchants)
            {
                var users = emitted.Where(r => r.MerchantId == merchantId).SelectMany(r => r.UserIds).ToList();
                users.Count.ShouldBe(users.Distinct().Count(), merchantId + "'s users are queued once in total");
                users.Order(StringComparer.Ordinal).ShouldBe(cleanRequests.Where(r => r.MerchantId == merchantId).SelectMany(r => r.UserIds).Order(StringComparer.Ordinal), merchantId + ": the same users as a clean run");
                users.ShouldNotBeEmpty();
            }

            emitted.Select(r => r.AsOf).Distinct().ShouldHaveSingleItem().ShouldBeLessThan(Night1, "as of the merchants' newest event (the day before), not the night");
            expected.Profiles.ShouldContain("\"modelVersion\":\"demand-mlp", Case.Sensitive, "the comparison covers scored profiles");
            expected.Insights.ShouldContain("\"type\":\"segment\"", Case.Sensitive, "and segment pages");
            actual.Profiles.ShouldBe(expected.Profiles);
            actual.Insights.ShouldBe(expected.Insights);
            var progress = await new CosmosInsightsStore(app.Db, time).ProgressAsync("m3", NightlyRun.NightOf(Night1), Ct);
            progress!.Attempts.ShouldBe(2);
        }
    }

    [Fact]
    public async Task A_second_message_for_a_merchant_already_at_work_or_finished_does_nothing()
    {
        var options = cosmos.NewDatabaseOptions();
        await SeedAsync(options, ["m1"]);
        await using var app = await StartAsync(options, new FixedTime(Night1));
        var message = (await DispatchAsync(app)).ShouldHaveSingleItem();

        var first = await ProcessAsync(app, message);
        var duplicate = await ProcessAsync(app, message with { Id = Guid.NewGuid().ToString() });

        first.ShouldNotBeEmpty();
        duplicate.ShouldBeEmpty("a duplicate dispatch of a finished merchant emits nothing");
        app.Logs.Lines.ShouldContain(l => l.Contains("already finished", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_finished_night_fired_again_dispatches_nothing_and_the_next_night_starts_from_scratch()
    {
        string[] merchants = ["m1", "m2"];
        var options = cosmos.NewDatabaseOptions();
        await SeedAsync(options, merchants);
        var time = new FixedTime(Night1);
        await using var app = await StartAsync(options, time);
        var first = new List<ScoreRequest>();
        foreach (var message in await DispatchAsync(app))
        {
            first.AddRange(await ProcessAsync(app, message));
        }

        time.Now = Night1.AddHours(13);
        (await DispatchAsync(app)).ShouldBeEmpty();
        app.Logs.Lines.ShouldContain(l => l.Contains("2 finished", StringComparison.Ordinal));

        time.Now = Night1.AddDays(1);
        var next = await DispatchAsync(app);
        next.Select(m => m.MerchantId).ShouldBe(merchants);
        var second = new List<ScoreRequest>();
        foreach (var message in next)
        {
            second.AddRange(await ProcessAsync(app, message));
        }

        second.SelectMany(r => r.UserIds).Order(StringComparer.Ordinal).ShouldBe(first.SelectMany(r => r.UserIds).Order(StringComparer.Ordinal));
        second.Select(r => r.AsOf).Distinct().ShouldBe(first.Select(r => r.AsOf).Distinct(), "no new data since the first night: the same data time");
        var store = new CosmosInsightsStore(app.Db, time);
        (await store.NightAsync(NightlyRun.NightOf(Night1.AddDays(1)), Ct))!.AsOf.ShouldBe(Night1.AddDays(1));
        (await store.ProgressAsync("m1", NightlyRun.NightOf(Night1.AddDays(1)), Ct))!.Attempts.ShouldBe(1);
    }

    [Theory]
    [InlineData("2026-11-20T02:00:00Z", "2026-11-20T02:00:00Z")]
    [InlineData("2026-11-20T15:30:00Z", "2026-11-20T02:00:00Z")]
    [InlineData("2026-11-20T01:59:59Z", "2026-11-19T02:00:00Z")]
    [InlineData("2026-11-20T03:00:00+05:00", "2026-11-19T02:00:00Z")]
    public void A_run_belongs_to_the_latest_scheduled_occurrence_at_or_before_now(string now, string occurrence) =>
        NightlyDispatch.ScheduledOccurrence(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture))
            .ShouldBe(DateTimeOffset.Parse(occurrence, System.Globalization.CultureInfo.InvariantCulture));

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>Lets <c>merchants</c> merchants finish, then crashes the next one right after its score-requests are marked.</summary>
    private sealed class CrashAfterMerchants(int merchants) : INightlyHooks
    {
        private int _finished;

        public Task AfterStepAsync(string merchantId, NightlyStep step, CancellationToken cancellationToken)
        {
            if (step == NightlyStep.ScoreRequestsMarked && Interlocked.Increment(ref _finished) > merchants)
            {
                throw new InvalidOperationException("Injected crash after marking " + merchantId + "'s score-requests.");
            }

            return Task.CompletedTask;
        }
    }
}
