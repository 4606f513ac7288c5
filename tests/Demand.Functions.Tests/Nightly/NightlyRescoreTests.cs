using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Demand.Core;
using Demand.Core.Insights;
using Demand.Core.Messaging;
using Demand.Core.Profiles;
using Demand.Core.Synthetic;
using Demand.Functions.Tests.Infrastructure;
using Demand.Functions.Triggers.NightlyMerchant;
using Demand.Functions.Triggers.NightlyRescore;
using Demand.Hosting.Envelope;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Tests.Nightly;

public sealed class NightlyRescoreTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Yesterday 02:01 UTC: a night whose schedule (02:00) has passed, with generated days before it.</summary>
    private static readonly DateTimeOffset Night1 = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(-1).AddHours(2).AddMinutes(1);

    private static Task<(HttpStatusCode Status, HostResponse? Response)> Fire(HttpClient client) =>
        Invocations.PostAsync(client, "NightlyRescore", HostPayloads.TimerTrigger("NightlyRescore", "timer", false), Ct);

    /// <summary>A queued nightly-merchants message as the host would hold it: id stable across redeliveries.</summary>
    private sealed record Queued(string Id, string Body)
    {
        public string MerchantId => JsonSerializer.Deserialize<NightlyMerchantRequest>(Body, DemandJson.Options)!.MerchantId;
    }

    private static async Task<List<Queued>> DispatchAsync(HttpClient client)
    {
        var (status, response) = await Fire(client);
        status.ShouldBe(HttpStatusCode.OK);
        return response!.Messages(NightlyRescoreFunction.MerchantQueueBinding).Select(m => new Queued(Guid.NewGuid().ToString(), m)).ToList();
    }

    private static Task<(HttpStatusCode Status, HostResponse? Response)> ProcessAsync(HttpClient client, Queued message, long dequeueCount = 1) =>
        Invocations.QueueAsync(client, "NightlyMerchant", message.Body, Ct, dequeueCount, message.Id);

    private static IEnumerable<ScoreRequest> ScoreRequests(HostResponse response) =>
        response.Messages(NightlyMerchantFunction.ScoreQueueBinding).Select(m => JsonSerializer.Deserialize<ScoreRequest>(m, DemandJson.Options)!);

    private static HandlerFactory Handler(CosmosOptions options, TimeProvider time, INightlyHooks? hooks = null) =>
        new(options, configureServices: s =>
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
        var db = await cosmos.CreateDatabaseAsync(options);
        await using var factory = Handler(options, new FixedTime(Night1));
        using var client = factory.CreateHttpClient();
        var folder = Directory.CreateTempSubdirectory("demand-nightly-").FullName;
        var written = MarketWriter.Write(new MarketOptions { Users = 30, Days = 6, Seed = 5, Start = DateOnly.FromDateTime(Night1.UtcDateTime).AddDays(-7) }, folder);
        var profiles = new CosmosProfileStore(db);
        foreach (var merchantId in merchants)
        {
            await new CosmosMerchantStore(db, TimeProvider.System).AddKeyAsync(merchantId, Ct);
            foreach (var file in written.Files)
            {
                var name = Path.GetRelativePath(Path.Combine(folder, "logs", "m1"), file).Replace('\\', '/');
                (await Invocations.BlobAsync(client, merchantId, name, await File.ReadAllBytesAsync(file, Ct), Ct)).Status.ShouldBe(HttpStatusCode.OK);
            }

            for (var u = 0; u < 12; u++)
            {
                var propensity = Math.Round(1 - (u / 12.0), 4);
                await profiles.UpdateAsync(merchantId, $"s{u:D3}", p => p.Categories = [new CategoryPropensity { CategoryId = "coffee-beans", Propensity = propensity }], Ct);
            }
        }

        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Scores every request as ScoreUsers would, then returns profiles and segment/forecast documents as comparable JSON.</summary>
    private async Task<(string Profiles, string Insights)> ScoreAndSnapshotAsync(HttpClient client, CosmosOptions options, IReadOnlyList<string> merchants, IEnumerable<ScoreRequest> requests)
    {
        foreach (var request in requests)
        {
            (await Invocations.QueueAsync(client, "ScoreUsers", JsonSerializer.Serialize(request, DemandJson.Options), Ct)).Status.ShouldBe(HttpStatusCode.OK);
        }

        var db = await cosmos.CreateDatabaseAsync(options);
        return (await SnapshotAsync(db.Profiles, merchants, _ => true), await SnapshotAsync(db.Insights, merchants, d => d.GetProperty("type").GetString() is "segment" or "demandForecast"));
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
                    var fields = document.EnumerateObject().Where(p => !p.Name.StartsWith('_')).OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"\"{p.Name}\":{p.Value.GetRawText()}");
                    documents.Add((document.GetProperty("merchantId").GetString() + "/" + document.GetProperty("id").GetString(), "{" + string.Join(',', fields) + "}"));
                }
            }
        }

        return string.Join('\n', documents.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => d.Json));
    }

    [Fact]
    public async Task The_nightly_run_queues_every_active_user_and_builds_stable_segment_pages_and_a_forecast()
    {
        var options = cosmos.NewDatabaseOptions();
        await using var factory = new HandlerFactory(options);
        using var client = factory.CreateHttpClient();
        var folder = Directory.CreateTempSubdirectory("demand-nightly-").FullName;
        var written = MarketWriter.Write(new MarketOptions { Users = 60, Days = 10, Seed = 5, Start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-10) }, folder);
        foreach (var file in written.Files)
        {
            await Invocations.BlobAsync(client, "m1", Path.GetFileName(Path.GetDirectoryName(file)) + "/p.jsonl", await File.ReadAllBytesAsync(file, Ct), Ct);
        }

        var db = await cosmos.CreateDatabaseAsync(options);
        var profiles = new CosmosProfileStore(db);
        for (var u = 0; u < 250; u++)
        {
            var propensity = Math.Round(1 - (u / 250.0), 4);
            await profiles.UpdateAsync("m1", $"s{u:D3}", p => p.Categories = [new CategoryPropensity { CategoryId = "coffee-beans", Propensity = propensity }], Ct);
        }

        var key = await new CosmosMerchantStore(db, TimeProvider.System).AddKeyAsync("m1", Ct);

        var dispatched = await DispatchAsync(client);
        var (status, response) = await ProcessAsync(client, dispatched.ShouldHaveSingleItem());

        status.ShouldBe(HttpStatusCode.OK);
        var queued = ScoreRequests(response!).ToList();
        queued.ShouldAllBe(r => r.Cause == ScoreCause.Nightly && r.UserIds.Count <= ScoreRequest.MaxUsers);
        queued.SelectMany(r => r.UserIds).Distinct().Count().ShouldBeGreaterThan(40);

        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        var seen = new List<string>();
        string? continuation = null;
        do
        {
            var url = "/api/v1/merchants/m1/segments/coffee-beans?limit=70&minScore=0.1" + (continuation is null ? "" : "&continuation=" + Uri.EscapeDataString(continuation));
            var page = await client.GetFromJsonAsync<JsonElement>(url, Ct);
            seen.AddRange(page.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("userId").GetString()!));
            continuation = page.GetProperty("continuation").ValueKind == JsonValueKind.String ? page.GetProperty("continuation").GetString() : null;
        }
        while (continuation is not null);

        seen.Count.ShouldBe(seen.Distinct().Count(), "pages never repeat a shopper");
        seen.ShouldBe(Enumerable.Range(0, 250).Where(u => Math.Round(1 - (u / 250.0), 4) >= 0.1).Select(u => $"s{u:D3}").ToList());
        var forecast = await client.GetFromJsonAsync<JsonElement>("/api/v1/merchants/m1/insights/demand", Ct);
        forecast.GetProperty("categories").EnumerateArray().ShouldContain(c => c.GetProperty("categoryId").GetString() == "coffee-beans" && c.GetProperty("shoppers").GetInt32() >= 250);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_timer_firing_while_a_run_holds_the_lease_starts_nothing()
    {
        var options = cosmos.NewDatabaseOptions();
        await using var factory = new HandlerFactory(options);
        using var client = factory.CreateHttpClient();
        var db = await cosmos.CreateDatabaseAsync(options);
        await new CosmosMerchantStore(db, TimeProvider.System).AddKeyAsync("m1", Ct);
        var store = new CosmosInsightsStore(db, TimeProvider.System);
        (await store.TryAcquireLeaseAsync("another-instance", TimeSpan.FromMinutes(30), Ct)).ShouldBeTrue();

        var (status, response) = await Fire(client);

        status.ShouldBe(HttpStatusCode.OK);
        response!.Logs.ShouldContain(l => l.Contains("holds the lease", StringComparison.Ordinal));
        response.Messages(NightlyRescoreFunction.MerchantQueueBinding).ShouldBeEmpty();
        await store.ReleaseLeaseAsync(Ct);
        var rerun = (await Fire(client)).Response!;
        rerun.Logs.ShouldContain(l => l.StartsWith("nightly ", StringComparison.Ordinal));
        rerun.Messages(NightlyRescoreFunction.MerchantQueueBinding).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_run_killed_half_way_and_rerun_yields_the_profiles_and_segments_of_one_clean_run_and_emits_each_merchants_score_requests_once()
    {
        string[] merchants = ["m1", "m2", "m3", "m4"];
        var time = new FixedTime(Night1);

        var clean = cosmos.NewDatabaseOptions();
        await SeedAsync(clean, merchants);
        (string Profiles, string Insights) expected;
        List<ScoreRequest> cleanRequests;
        await using (var factory = Handler(clean, time))
        {
            using var client = factory.CreateHttpClient();
            cleanRequests = [];
            foreach (var message in await DispatchAsync(client))
            {
                var (status, response) = await ProcessAsync(client, message);
                status.ShouldBe(HttpStatusCode.OK);
                cleanRequests.AddRange(ScoreRequests(response!));
            }

            expected = await ScoreAndSnapshotAsync(client, clean, merchants, cleanRequests);
        }

        var crashed = cosmos.NewDatabaseOptions();
        await SeedAsync(crashed, merchants);
        var emitted = new List<ScoreRequest>();
        List<Queued> queue;
        await using (var factory = Handler(crashed, time, new CrashAfterMerchants(2)))
        {
            // First process: two merchants finish, the third crashes in the worst place (its score-requests marked, not
            // yet returned: the host discards them), and the process dies with the fourth still queued.
            using var client = factory.CreateHttpClient();
            queue = await DispatchAsync(client);
            queue.Select(m => m.MerchantId).ShouldBe(merchants);
            for (var i = 0; i < 2; i++)
            {
                var (status, response) = await ProcessAsync(client, queue[i]);
                status.ShouldBe(HttpStatusCode.OK);
                emitted.AddRange(ScoreRequests(response!));
            }

            (await ProcessAsync(client, queue[2])).Status.ShouldBe(HttpStatusCode.InternalServerError);
        }

        await using (var factory = Handler(crashed, time))
        {
            // A new process: the timer fires again for the same night (a rerun), then the host delivers what is queued:
            // the crashed message again (same id), the fourth, and whatever the rerun dispatched.
            using var client = factory.CreateHttpClient();
            var rerun = await DispatchAsync(client);
            rerun.Select(m => m.MerchantId).ShouldBe(["m4"], "finished merchants and the one awaiting its retry are not dispatched again");
            foreach (var (message, dequeueCount) in new[] { (queue[2], 2L), (queue[3], 1L) }.Concat(rerun.Select(m => (m, 1L))))
            {
                var (status, response) = await ProcessAsync(client, message, dequeueCount);
                status.ShouldBe(HttpStatusCode.OK);
                emitted.AddRange(ScoreRequests(response!));
            }

            (await DispatchAsync(client)).ShouldBeEmpty("the night is finished");
            var actual = await ScoreAndSnapshotAsync(client, crashed, merchants, emitted);

            foreach (var merchantId in merchants)
            {
                var users = emitted.Where(r => r.MerchantId == merchantId).SelectMany(r => r.UserIds).ToList();
                users.Count.ShouldBe(users.Distinct().Count(), $"{merchantId}'s users are queued once in total");
                users.Order(StringComparer.Ordinal).ShouldBe(cleanRequests.Where(r => r.MerchantId == merchantId).SelectMany(r => r.UserIds).Order(StringComparer.Ordinal), $"{merchantId}: the same users as a clean run");
                users.ShouldNotBeEmpty();
            }

            emitted.ShouldAllBe(r => r.AsOf == Night1);
            expected.Profiles.ShouldContain("\"modelVersion\":\"demand-mlp", Case.Sensitive, "the comparison covers scored profiles");
            expected.Insights.ShouldContain("\"type\":\"segment\"", Case.Sensitive, "and segment pages");
            actual.Profiles.ShouldBe(expected.Profiles);
            actual.Insights.ShouldBe(expected.Insights);
            var progress = await new CosmosInsightsStore(await cosmos.CreateDatabaseAsync(crashed), time).ProgressAsync("m3", NightlyRun.NightOf(Night1), Ct);
            progress!.Attempts.ShouldBe(2);
        }
    }

    [Fact]
    public async Task A_finished_night_fired_again_dispatches_nothing_and_the_next_night_starts_from_scratch()
    {
        string[] merchants = ["m1", "m2"];
        var options = cosmos.NewDatabaseOptions();
        await SeedAsync(options, merchants);
        var time = new FixedTime(Night1);
        await using var factory = Handler(options, time);
        using var client = factory.CreateHttpClient();
        var first = new List<ScoreRequest>();
        foreach (var message in await DispatchAsync(client))
        {
            first.AddRange(ScoreRequests((await ProcessAsync(client, message)).Response!));
        }

        time.Now = Night1.AddHours(13);
        var sameNight = (await Fire(client)).Response!;
        sameNight.Messages(NightlyRescoreFunction.MerchantQueueBinding).ShouldBeEmpty();
        sameNight.Logs.ShouldContain(l => l.Contains("2 finished", StringComparison.Ordinal));

        time.Now = Night1.AddDays(1);
        var next = await DispatchAsync(client);
        next.Select(m => m.MerchantId).ShouldBe(merchants);
        var second = new List<ScoreRequest>();
        foreach (var message in next)
        {
            var (status, response) = await ProcessAsync(client, message);
            status.ShouldBe(HttpStatusCode.OK);
            second.AddRange(ScoreRequests(response!));
        }

        second.SelectMany(r => r.UserIds).Order(StringComparer.Ordinal).ShouldBe(first.SelectMany(r => r.UserIds).Order(StringComparer.Ordinal));
        second.ShouldAllBe(r => r.AsOf == Night1.AddDays(1));
        var store = new CosmosInsightsStore(await cosmos.CreateDatabaseAsync(options), time);
        (await store.NightAsync(NightlyRun.NightOf(Night1.AddDays(1)), Ct))!.AsOf.ShouldBe(Night1.AddDays(1));
        (await store.ProgressAsync("m1", NightlyRun.NightOf(Night1.AddDays(1)), Ct))!.Attempts.ShouldBe(1);
    }

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
                throw new InvalidOperationException($"Injected crash after marking {merchantId}'s score-requests.");
            }

            return Task.CompletedTask;
        }
    }
}
