using Demand.Core.Identifiers;
using Demand.Tooling;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Queues;
using Demand.Core;
using Demand.Core.Insights;
using Demand.Core.Messaging;
using Demand.Core.Profiles;
using Demand.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Demand.Tooling.Host;
using Demand.Tooling.Local;

namespace Demand.Cli.Commands.Bench;

/// <summary>
/// <c>demand bench api</c>: (1) GET profile at concurrency 64 through the local host's front end → worker (gRPC, forwarded request) →
/// cosmosdb-server next to raw Cosmos SDK point reads of the same documents, interleaved in the same run; (2) p50/p99 of
/// a 50-event real-time batch (validate, merge once, rescore in the request); (3) nightly users rescored per second
/// (timer → nightly-merchants → score-requests → ScoreUsers) next to the same users' score-requests enqueued directly.
/// </summary>
internal static class ApiBench
{
    private const string Merchant = "bench";

    public static Command Create()
    {
        var users = new Option<int>("--users") { DefaultValueFactory = _ => 2_000, Description = "Profiles seeded and read (and shoppers in the event batches)." };
        var requests = new Option<int>("--requests") { DefaultValueFactory = _ => 10_000, Description = "GETs (and as many raw reads) measured." };
        var concurrency = new Option<int>("--concurrency") { DefaultValueFactory = _ => 64 };
        var batches = new Option<int>("--event-batches") { DefaultValueFactory = _ => 100, Description = "50-event batches posted one after another." };
        var command = new Command("api", "HTTP API: GET profile vs raw Cosmos point reads; real-time event batches; nightly rescoring.") { users, requests, concurrency, batches };
        command.SetAction(async (parse, ct) =>
        {
            await RunAsync(parse.GetValue(users), parse.GetValue(requests), parse.GetValue(concurrency), parse.GetValue(batches), ct);
            return 0;
        });
        return command;
    }

    private static async Task RunAsync(int userCount, int requestCount, int concurrency, int eventBatches, CancellationToken cancellationToken)
    {
        var nodeModules = RepoPaths.NodeModules();
        await using var cosmosServer = await LocalCosmosServer.StartAsync(nodeModules, cancellationToken);
        await using var azurite = await AzuriteServer.StartAsync(nodeModules, cancellationToken);
        var cosmosOptions = cosmosServer.Options("benchapi");

        // A free port rather than 7071: the bench must not collide with a `demand host` someone is running.
        await using var host = await LocalFunctionsHost.StartAsync(new LocalHostOptions
        {
            AppDirectory = CliPaths.DefaultAppRoot(),
            EnableTimerSchedules = false,
            HttpPort = 0,
            Settings = BenchSettings.For(cosmosOptions, azurite.ConnectionString, ("Api__RequestsPerMinutePerKey", "1000000")),
        }, cancellationToken);

        using var client = CosmosClientFactory.Create(cosmosOptions);
        var cosmos = new DemandCosmos(client, cosmosOptions.DatabaseName);
        await cosmos.EnsureCreatedAsync(cancellationToken);
        var key = await new CosmosMerchantStore(cosmos, TimeProvider.System).AddKeyAsync(MerchantId.Parse(Merchant), cancellationToken);
        var userIds = Enumerable.Range(0, userCount).Select(i => "u" + i.ToString("D6", CultureInfo.InvariantCulture)).ToArray();
        await SeedProfilesAsync(cosmos, userIds, cancellationToken);

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2 }) { BaseAddress = host.HttpBaseAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        await ProfileReadsAsync(http, cosmos, userIds, requestCount, concurrency, cancellationToken);
        var shoppers = await EventBatchesAsync(http, userIds, eventBatches, cancellationToken);
        var scoreQueue = new QueueServiceClient(azurite.ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }).GetQueueClient("score-requests");
        await NightlyAsync(host, cosmos, scoreQueue, shoppers, cancellationToken);
    }

    private static Task SeedProfilesAsync(DemandCosmos cosmos, string[] userIds, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(userIds, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (user, ct) =>
        {
            // A realistic profile: ten categories with reasons, about 2 KB of JSON.
            var profile = ProfileDocument.Create(Merchant, user);
            profile.UpdatedAt = DateTimeOffset.UtcNow;
            profile.ModelVersion = "bench";
            var seed = int.Parse(user.AsSpan(1), CultureInfo.InvariantCulture);
            profile.Categories = Enumerable.Range(0, 10).Select(c => new CategoryPropensity
            {
                CategoryId = "category-" + c,
                Propensity = Math.Round((((seed * 7919) + c) % 1000) / 1000.0 / (c + 1), 4),
                ExpectedNextPurchase = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(c + 1),
                Reasons = [new Reason($"viewed category-{c} 3 times this week", 0.31), new Reason("bought a complement (lift 4.2)", 0.18)],
            }).ToList();
            await cosmos.Profiles.UpsertItemAsync(profile, DemandCosmos.UserKey(Merchant, user), cancellationToken: ct);
        });

    private static async Task ProfileReadsAsync(HttpClient http, DemandCosmos cosmos, string[] userIds, int requestCount, int concurrency, CancellationToken cancellationToken)
    {
        async Task ViaApi(int i, CancellationToken ct)
        {
            using var response = await http.GetAsync(new Uri($"api/v1/merchants/{Merchant}/users/{userIds[i % userIds.Length]}/profile", UriKind.Relative), ct);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync(ct);
        }

        async Task RawRead(int i, CancellationToken ct)
        {
            var user = userIds[i % userIds.Length];
            using var response = await cosmos.Profiles.ReadItemStreamAsync(user, DemandCosmos.UserKey(Merchant, user), cancellationToken: ct);
            response.EnsureSuccessStatusCode();
            await response.Content.CopyToAsync(Stream.Null, ct);
        }

        // Warm both paths, then alternate the two measurements in rounds so neither gets the quieter moments of a
        // shared machine; the rounds are merged per path.
        await MeasureAsync(ViaApi, 1_000, concurrency, cancellationToken);
        await MeasureAsync(RawRead, 1_000, concurrency, cancellationToken);
        const int Rounds = 4;
        var api = Latencies.Empty;
        var raw = Latencies.Empty;
        for (var round = 0; round < Rounds; round++)
        {
            api = api.Merge(await MeasureAsync(ViaApi, requestCount / Rounds, concurrency, cancellationToken));
            raw = raw.Merge(await MeasureAsync(RawRead, requestCount / Rounds, concurrency, cancellationToken));
        }

        Console.WriteLine($"GET profile via host → worker → Cosmos, concurrency {concurrency}: {api}");
        Console.WriteLine($"raw SDK point read of the same documents, concurrency {concurrency}: {raw}");
        Console.WriteLine($"ratio API/raw: p50 {api.P50 / raw.P50:N2}×, p99 {api.P99 / raw.P99:N2}× (target p99 ≤ 1.3×), throughput {api.PerSecond / raw.PerSecond:N2}×");
    }

    /// <summary>Posts the batches and returns the shoppers they touched (the users with features, all active).</summary>
    private static async Task<List<string>> EventBatchesAsync(HttpClient http, string[] userIds, int eventBatches, CancellationToken cancellationToken)
    {
        const int Warmup = 5;
        var samples = new List<double>(eventBatches);
        var shoppers = new SortedSet<string>(StringComparer.Ordinal);
        var now = DateTimeOffset.UtcNow;
        for (var b = 0; b < eventBatches + Warmup; b++)
        {
            // 50 events over 10 shoppers (a storefront flushing a few sessions): 10 users merged and rescored per batch.
            var events = Enumerable.Range(0, 50).Select(e => new
            {
                eventId = $"b{b}e{e}",
                userId = userIds[((b * 10) + (e % 10)) % userIds.Length],
                type = e % 7 == 0 ? "cart_add" : e % 11 == 0 ? "purchase" : "view",
                timestamp = now.AddMinutes(-50 + e),
                productId = "p" + (e % 40).ToString(CultureInfo.InvariantCulture),
                categoryId = "category-" + (e % 10).ToString(CultureInfo.InvariantCulture),
                price = e % 11 == 0 ? 19.9 : (double?)null,
            }).ToArray();
            shoppers.UnionWith(events.Select(e => e.userId));
            var start = Stopwatch.GetTimestamp();
            using var response = await http.PostAsJsonAsync(new Uri($"api/v1/merchants/{Merchant}/events", UriKind.Relative), new { events }, DemandJson.Options, cancellationToken);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (b >= Warmup)
            {
                samples.Add(BenchStats.ElapsedMicroseconds(start) / 1000);
            }
        }

        Console.WriteLine($"POST 50-event batch (10 shoppers; validate, merge once, rescore in the request), one at a time: p50 {BenchStats.Percentile(samples, 50):N1} ms, p99 {BenchStats.Percentile(samples, 99):N1} ms over {eventBatches:N0} batches");
        return shoppers.ToList();
    }

    private static async Task NightlyAsync(LocalFunctionsHost host, DemandCosmos cosmos, QueueClient scoreQueue, List<string> active, CancellationToken cancellationToken)
    {
        var night = Stopwatch.StartNew();
        await host.TriggerAsync("NightlyRescore", cancellationToken);
        await host.WaitForIdleAsync(TimeSpan.FromMinutes(10), cancellationToken);
        night.Stop();
        var insights = new CosmosInsightsStore(cosmos, TimeProvider.System);
        var progress = await insights.ProgressAsync(Merchant, NightlyRun.NightOf(DateTimeOffset.UtcNow), cancellationToken)
            ?? await insights.ProgressAsync(Merchant, NightlyRun.NightOf(DateTimeOffset.UtcNow.AddDays(-1)), cancellationToken)
            ?? throw new InvalidOperationException("The nightly run left no progress for the bench merchant.");
        var users = progress.ActiveUsers;

        // Baseline: the same users' score-requests put on the queue directly (what ScoreUsers alone costs).
        var direct = Stopwatch.StartNew();
        foreach (var request in WorkBatcher.ScoreRequests(Merchant, active, ScoreCause.Nightly, null, DateTimeOffset.UtcNow))
        {
            await scoreQueue.SendMessageAsync(JsonSerializer.Serialize(request, DemandJson.Options), cancellationToken);
        }

        await host.WaitForIdleAsync(TimeSpan.FromMinutes(10), cancellationToken);
        direct.Stop();
        Console.WriteLine($"nightly: timer → nightly-merchants → {progress.ScoreRequests} score-requests → ScoreUsers for {users:N0} active users: {night.Elapsed.TotalSeconds:N1} s, {users / night.Elapsed.TotalSeconds:N0} users rescored/s " +
            $"(same {active.Count:N0} users' score-requests enqueued directly: {direct.Elapsed.TotalSeconds:N1} s, {active.Count / direct.Elapsed.TotalSeconds:N0} users/s; ratio {night.Elapsed.TotalSeconds / direct.Elapsed.TotalSeconds:N2}×)");
    }

    private static async Task<Latencies> MeasureAsync(Func<int, CancellationToken, Task> call, int count, int concurrency, CancellationToken cancellationToken)
    {
        var samples = new double[count];
        var next = -1;
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var start = Stopwatch.GetTimestamp();
                await call(i, cancellationToken);
                samples[i] = BenchStats.ElapsedMicroseconds(start);
            }
        }));
        wall.Stop();
        return new Latencies([.. samples], wall.Elapsed.TotalSeconds);
    }

    private sealed record Latencies(List<double> Samples, double Seconds)
    {
        public static Latencies Empty { get; } = new([], 0);

        public double P50 => BenchStats.Percentile(Samples, 50) / 1000;

        public double P99 => BenchStats.Percentile(Samples, 99) / 1000;

        public double PerSecond => Samples.Count / Seconds;

        public Latencies Merge(Latencies other) => new([.. Samples, .. other.Samples], Seconds + other.Seconds);

        public override string ToString() => $"{PerSecond:N0} req/s, p50 {P50:N2} ms, p99 {P99:N2} ms ({Samples.Count:N0} requests)";
    }
}
