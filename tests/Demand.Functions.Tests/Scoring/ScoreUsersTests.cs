using Demand.Core.Identifiers;
using System.Text.Json;
using Demand.Core;
using Demand.Core.Messaging;
using Demand.Tooling.Synthetic;
using Demand.Functions.Scoring;
using Demand.Functions.Tests.Infrastructure;
using Demand.Functions.Tests.Ingestion;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;

namespace Demand.Functions.Tests.Scoring;

public sealed class ScoreUsersTests(CosmosServerFixture cosmos)
{
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
            var profiles = (await Task.WhenAll(scoredUsers.Select(u => store.GetAsync(MerchantId.Parse("m1"), UserId.Parse(u), Ct)))).ToList();

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
        (await new CosmosProfileStore(app.Db).GetAsync(MerchantId.Parse("m1"), UserId.Parse("u0"), Ct)).ShouldBeNull();
    }
}
