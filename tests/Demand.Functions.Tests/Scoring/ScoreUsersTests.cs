using System.Globalization;
using System.Text.RegularExpressions;
using System.Text.Json;
using Demand.Core;
using Demand.Core.Ingestion;
using Demand.Core.Messaging;
using Demand.Core.Storage;
using Demand.Tooling.Synthetic;
using Demand.Functions.Scoring;
using Demand.Functions.Tests.Infrastructure;
using Demand.Functions.Tests.Ingestion;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;

namespace Demand.Functions.Tests.Scoring;

public sealed partial class ScoreUsersTests(CosmosServerFixture cosmos)
{
    [GeneratedRegex("\"timestamp\":\"([^\"]+)\"")]
    private static partial Regex Timestamp();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Generated_logs_ingested_then_scored_give_profiles_with_propensities_dates_and_reasons()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var market = new MarketOptions { Users = 150, Days = 21, Seed = 11, Start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-21) };
        var folder = Directory.CreateTempSubdirectory("demand-score-").FullName;
        try
        {
            var written = MarketWriter.Write(market, folder);
            var scoreMessages = new List<string>();
            foreach (var file in written.Files)
            {
                var name = Path.GetRelativePath(Path.Combine(folder, "logs", "m1"), file).Replace('\\', '/');
                var result = await IngestLogTests.IngestAsync(app, "m1", name, await File.ReadAllBytesAsync(file, Ct));
                scoreMessages.AddRange(result.ScoreRequests.Select(r => JsonSerializer.Serialize(r, DemandJson.Options)));
            }

            // Score the last day's batches, as the queue would deliver them.
            var function = app.Function<ScoreUsersFunction>();
            foreach (var message in scoreMessages.TakeLast(3))
            {
                await function.Run(message, Ct);
            }

            app.Logs.Lines.ShouldContain(l => l.Contains("Scored", StringComparison.Ordinal));
            var scoredUsers = scoreMessages.TakeLast(3).SelectMany(m => JsonSerializer.Deserialize<ScoreRequest>(m, DemandJson.Options)!.UserIds).Distinct().ToList();
            scoredUsers.ShouldNotBeEmpty();
            var store = new CosmosProfileStore(app.Db);
            var profiles = (await Task.WhenAll(scoredUsers.Select(u => store.GetAsync("m1", u, Ct)))).ToList();

            profiles.ShouldAllBe(p => p != null && p.ModelVersion!.StartsWith("demand-mlp", StringComparison.Ordinal) && p.Categories.Count > 0);
            var categories = profiles.SelectMany(p => p!.Categories).ToList();
            categories.ShouldAllBe(c => c.Propensity >= 0 && c.Propensity <= 1);
            categories.ShouldContain(c => c.ExpectedNextPurchase != null);
            categories.ShouldContain(c => c.Reasons.Count > 0);
            profiles.ShouldAllBe(p => p!.Categories.Zip(p.Categories.Skip(1)).All(pair => pair.First.Propensity >= pair.Second.Propensity));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Historical_logs_and_the_same_logs_shifted_to_today_give_identical_propensities_and_reasons()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var historical = new DateOnly(2017, 11, 4);
        var shiftDays = today.AddDays(-21).DayNumber - historical.DayNumber;
        await app.Get<IIngestionStore>().SaveMappingAsync("hist", new LogMapping { NotBefore = historical }, Ct);
        var scored = new Dictionary<string, List<string>>();
        var folder = Directory.CreateTempSubdirectory("demand-asof-").FullName;
        try
        {
            var written = MarketWriter.Write(new MarketOptions { Users = 120, Days = 21, Seed = 23, Start = historical }, folder);
            foreach (var merchantId in new[] { "hist", "now" })
            {
                var requests = new List<ScoreRequest>();
                foreach (var file in written.Files)
                {
                    // The same events, every timestamp moved by whole days (the day folder too) for the present-day merchant.
                    var name = Path.GetRelativePath(Path.Combine(folder, "logs", "m1"), file).Replace('\\', '/');
                    var content = await File.ReadAllTextAsync(file, Ct);
                    if (merchantId == "now")
                    {
                        name = DateOnly.ParseExact(name[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture).AddDays(shiftDays).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + name[10..];
                        content = Timestamp().Replace(content, m => "\"timestamp\":\"" + DateTimeOffset.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture).AddDays(shiftDays).ToString("O", CultureInfo.InvariantCulture) + "\"");
                    }

                    var result = await IngestLogTests.IngestAsync(app, merchantId, name, System.Text.Encoding.UTF8.GetBytes(content));
                    result.Report.Rejected.ShouldBe(0, merchantId + ": nothing rejected as too old");
                    requests.AddRange(result.ScoreRequests);
                }

                foreach (var request in requests.TakeLast(3))
                {
                    await app.Function<ScoreUsersFunction>().Run(JsonSerializer.Serialize(request, DemandJson.Options), Ct);
                }

                scored[merchantId] = requests.TakeLast(3).SelectMany(r => r.UserIds).Distinct().Order(StringComparer.Ordinal).ToList();
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        scored["hist"].ShouldBe(scored["now"]);
        var store = new CosmosProfileStore(app.Db);
        var compared = 0;
        foreach (var userId in scored["hist"])
        {
            var past = (await store.GetAsync("hist", userId, Ct))!.Categories;
            var present = (await store.GetAsync("now", userId, Ct))!.Categories;
            past.Select(c => (c.CategoryId, c.Propensity)).ShouldBe(present.Select(c => (c.CategoryId, c.Propensity)), userId);
            past.Select(c => c.ExpectedNextPurchase?.AddDays(shiftDays)).ShouldBe(present.Select(c => c.ExpectedNextPurchase), userId + ": dates move with the data");
            past.Select(c => string.Join("|", c.Reasons.Select(r => r.Signal + r.Weight))).ShouldBe(present.Select(c => string.Join("|", c.Reasons.Select(r => r.Signal + r.Weight))), userId);
            compared += past.Count;
        }

        compared.ShouldBeGreaterThan(0);
        var historicalCategories = (await Task.WhenAll(scored["hist"].Select(u => store.GetAsync("hist", u, Ct)))).SelectMany(p => p!.Categories).ToList();
        historicalCategories.Max(c => c.Propensity).ShouldBeGreaterThan(0.2, "a historical log is not decayed to nothing by the years since");
        historicalCategories.ShouldContain(c => c.Reasons.Count > 0);
        historicalCategories.ShouldContain(c => c.ExpectedNextPurchase != null && c.ExpectedNextPurchase < today.AddYears(-5));
    }

    [Fact]
    public async Task A_malformed_score_request_fails_the_invocation_so_the_host_retries_it()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);

        await Should.ThrowAsync<JsonException>(() => app.Function<ScoreUsersFunction>().Run("{\"merchantId\":\"m1\"}", Ct));
    }

    [Fact]
    public async Task A_score_request_with_more_than_100_users_is_refused()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var request = new ScoreRequest
        {
            MerchantId = "m1", UserIds = Enumerable.Range(0, ScoreRequest.MaxUsers + 1).Select(i => "u" + i).ToList(), Cause = ScoreCause.Ingest, AsOf = DateTimeOffset.UtcNow,
        };

        await Should.ThrowAsync<InvalidDataException>(() => app.Function<ScoreUsersFunction>().Run(JsonSerializer.Serialize(request, DemandJson.Options), Ct));
        (await new CosmosProfileStore(app.Db).GetAsync("m1", "u0", Ct)).ShouldBeNull();
    }
}
