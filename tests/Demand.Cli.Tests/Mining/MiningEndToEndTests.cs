using Demand.Core.Identifiers;
using System.Text.Json;
using Azure.Storage.Blobs;
using Demand.Cli.Tests.Host;
using Demand.Core.Mining;
using Demand.Tooling.Synthetic;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;
using Demand.Testing.OpenAi;
using Microsoft.Azure.Cosmos;

namespace Demand.Cli.Tests.Mining;

/// <summary>Generated logs with reviews through the local host and the worker: IngestLog → mine-requests → MineReviews (LLM) → Cosmos.</summary>
public sealed class MiningEndToEndTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Uploaded_logs_with_reviews_end_as_needs_on_profiles_and_product_summaries_with_every_review_mined_once()
    {
        await using var server = await OpenAiTestServer.StartAsync(Ct);
        server.Faults.Enqueue(OpenAiFault.TooManyRequests);
        server.Faults.Enqueue(OpenAiFault.Malformed);
        var folder = Directory.CreateTempSubdirectory("demand-mine-e2e-").FullName;
        var written = MarketWriter.Write(new MarketOptions { Users = 120, Days = 10, Seed = 23, ReviewRate = 0.6, Start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-10) }, folder);
        var truth = File.ReadLines(Path.Combine(folder, "truth", "m1", "reviews.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(r => r.GetProperty("reviewId").GetString()!, r => r.GetProperty("text").GetString()!);
        truth.Count.ShouldBeGreaterThan(20);
        var extra = new Dictionary<string, string?>
        {
            ["Mining__Miner"] = "openai",
            ["Mining__OpenAi__Endpoint"] = server.Endpoint.ToString(),
            ["Mining__OpenAi__Model"] = "test-model",
            ["Mining__OpenAi__ApiKey"] = "test-key",
            ["Mining__OpenAi__BaseDelayMilliseconds"] = "1",
        };

        string databaseName;
        long failedAttempts;
        await using (var app = await AppHostHarness.StartAsync(cosmos, extra: extra, cancellationToken: Ct))
        {
            databaseName = app.Settings["Cosmos__DatabaseName"];
            var logs = new BlobContainerClient(app.Azurite.ConnectionString, "logs");
            await logs.CreateIfNotExistsAsync(cancellationToken: Ct);
            foreach (var file in written.Files)
            {
                await logs.GetBlobClient("m1/" + Path.GetRelativePath(Path.Combine(folder, "logs", "m1"), file).Replace('\\', '/')).UploadAsync(BinaryData.FromBytes(await File.ReadAllBytesAsync(file, Ct)), overwrite: true, Ct);
            }

            await app.Host.WaitForIdleAsync(TimeSpan.FromMinutes(6), Ct);
            app.Host.Statistics["MineReviews"].Succeeded.ShouldBeGreaterThan(0);
            failedAttempts = app.Host.Statistics["MineReviews"].Failed;
            var poison = new Azure.Storage.Queues.QueueClient(app.Azurite.ConnectionString, "mine-requests-poison");
            ((await poison.ExistsAsync(Ct)).Value ? (await poison.GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount : 0).ShouldBe(0, "no mine request was given up");
        }

        var db = await cosmos.CreateDatabaseAsync(cosmos.Server.Options(databaseName));
        var mined = await ReviewNeedsAsync(db);
        mined.Select(d => d.ReviewId).Order(StringComparer.Ordinal).ShouldBe(truth.Keys.Order(StringComparer.Ordinal));
        mined.ShouldAllBe(d => !d.Provisional && d.MinerVersion == "openai-1:test-model");
        mined.SelectMany(d => d.Needs.Select(n => (d.ReviewId, n.Evidence))).ShouldAllBe(x => truth[x.ReviewId].Contains(x.Evidence, StringComparison.Ordinal));
        // Each review reaches the model once; only an invocation that failed after its answer (and was retried by the
        // host, e.g. a Cosmos timeout on a loaded machine) may send some again.
        var sent = server.Requests.Where(r => r.Status == 200 && r.Fault == OpenAiFault.None).Sum(r => r.Reviews.Count);
        if (failedAttempts == 0)
        {
            sent.ShouldBe(truth.Count);
        }
        else
        {
            sent.ShouldBeGreaterThanOrEqualTo(truth.Count);
        }
        server.Requests.Select(r => r.Fault).ShouldContain(OpenAiFault.Malformed);

        var withNeeds = mined.Where(d => d.Needs.Count > 0).ToList();
        withNeeds.ShouldNotBeEmpty();
        var profiles = new CosmosProfileStore(db);
        var store = new CosmosReviewNeedStore(db, TimeProvider.System);
        foreach (var review in withNeeds.Take(10))
        {
            var profile = await profiles.GetAsync(MerchantId.Parse("m1"), UserId.Parse(review.UserId), Ct);
            profile!.Needs.ShouldContain(n => n.Evidence.Any(e => e.ReviewId == review.ReviewId));
            var summary = await store.GetSummaryAsync("m1", review.ProductId, Ct);
            summary!.Reviews.ShouldBeGreaterThanOrEqualTo(1);
            summary.Needs.ShouldNotBeEmpty();
        }

        Directory.Delete(folder, recursive: true);
    }

    private async Task<List<ReviewNeedDocument>> ReviewNeedsAsync(DemandCosmos db)
    {
        var result = new List<ReviewNeedDocument>();
        using var feed = db.ReviewNeeds.GetItemQueryIterator<ReviewNeedDocument>(
            new QueryDefinition("SELECT * FROM c WHERE c.merchantId = @m").WithParameter("@m", "m1"),
            requestOptions: new QueryRequestOptions { EnableOptimisticDirectExecution = true });
        while (feed.HasMoreResults)
        {
            result.AddRange(await feed.ReadNextAsync(Ct));
        }

        _ = cosmos;
        return result;
    }
}
