using System.Net;
using System.Text;
using System.Text.Json;
using Demand.Core;
using Demand.Core.Messaging;
using Demand.Core.Synthetic;
using Demand.Functions.Tests.Infrastructure;
using Demand.Functions.Triggers.IngestLog;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;

namespace Demand.Functions.Tests.Scoring;

public sealed class ScoreUsersTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Generated_logs_ingested_then_scored_give_profiles_with_propensities_dates_and_reasons()
    {
        var options = cosmos.NewDatabaseOptions();
        await using var factory = new HandlerFactory(options);
        using var client = factory.CreateHttpClient();
        var market = new MarketOptions { Users = 150, Days = 21, Seed = 11, Start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-21) };
        var folder = Directory.CreateTempSubdirectory("demand-score-").FullName;
        var written = MarketWriter.Write(market, folder);

        var scoreMessages = new List<string>();
        foreach (var file in written.Files)
        {
            var name = Path.GetRelativePath(Path.Combine(folder, "logs", "m1"), file).Replace('\\', '/');
            var (status, response) = await Invocations.BlobAsync(client, "m1", name, await File.ReadAllBytesAsync(file, Ct), Ct);
            status.ShouldBe(HttpStatusCode.OK);
            scoreMessages.AddRange(response!.Messages(IngestLogFunction.ScoreQueueBinding));
        }

        // Score the last day's batches, as the queue would deliver them.
        foreach (var message in scoreMessages.TakeLast(3))
        {
            var (status, response) = await Invocations.QueueAsync(client, "ScoreUsers", message, Ct);
            status.ShouldBe(HttpStatusCode.OK);
            response!.Logs.ShouldContain(l => l.Contains("scored", StringComparison.Ordinal));
        }

        var db = await cosmos.CreateDatabaseAsync(options);
        var scoredUsers = scoreMessages.TakeLast(3).SelectMany(m => JsonSerializer.Deserialize<ScoreRequest>(m, DemandJson.Options)!.UserIds).Distinct().ToList();
        var store = new CosmosProfileStore(db);
        var profiles = (await Task.WhenAll(scoredUsers.Select(u => store.GetAsync("m1", u, Ct)))).ToList();

        profiles.ShouldAllBe(p => p != null && p.ModelVersion!.StartsWith("demand-mlp", StringComparison.Ordinal) && p.Categories.Count > 0);
        var categories = profiles.SelectMany(p => p!.Categories).ToList();
        categories.ShouldAllBe(c => c.Propensity >= 0 && c.Propensity <= 1);
        categories.ShouldContain(c => c.ExpectedNextPurchase != null);
        categories.ShouldContain(c => c.Reasons.Count > 0);
        profiles.ShouldAllBe(p => p!.Categories.Zip(p.Categories.Skip(1)).All(pair => pair.First.Propensity >= pair.Second.Propensity));
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_malformed_score_request_fails_the_invocation_so_the_host_retries_it()
    {
        await using var factory = new HandlerFactory(cosmos.NewDatabaseOptions());
        using var client = factory.CreateHttpClient();

        var (status, _) = await Invocations.QueueAsync(client, "ScoreUsers", "{\"merchantId\":\"m1\"}", Ct);

        status.ShouldBe(HttpStatusCode.InternalServerError);
    }
}
