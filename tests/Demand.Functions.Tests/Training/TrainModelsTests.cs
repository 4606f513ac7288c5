using Demand.Core.Identifiers;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Demand.Core;
using Demand.Core.Messaging;
using Demand.Core.Scoring;
using Demand.Core.Storage;
using Demand.Functions.Scoring;
using Demand.Functions.Tests.Infrastructure;
using Demand.Functions.Tests.Ingestion;
using Demand.Functions.Training;
using Demand.Infrastructure.Cosmos;
using Demand.Infrastructure.Onnx;
using Demand.Infrastructure.Scoring;
using Demand.Testing;
using Demand.Tooling.Local;
using Demand.Tooling.Synthetic;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Tests.Training;

/// <summary>
/// The weekly retrain end to end over real adapters (Azurite blobs, cosmosdb-server, ONNX Runtime): ingest → TrainMerchant
/// → back-test → promote or keep → ScoreUsers. The global model here is a deliberately flat one (a constant probability,
/// exported like any version), so the gate has a reason to promote the merchant's own ranker.
/// </summary>
public sealed class TrainModelsTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Training_promotes_a_winner_that_ScoreUsers_then_serves_and_a_deliberately_bad_candidate_is_not_promoted()
    {
        await using var azurite = await AzuriteServer.StartAsync(null, Ct);
        var folder = Directory.CreateTempSubdirectory("demand-train-").FullName;
        var challengers = new Challengers();
        try
        {
            var flat = Path.Combine(folder, "flat.onnx");
            await File.WriteAllBytesAsync(flat, LinearOnnxExporter.Export(new LinearRanker { Name = "flat", Weights = new double[PairExpansion.Count], Bias = -3 }, "flat-global"), Ct);
            await using var app = await TestApp.StartAsync(
                cosmos.NewDatabaseOptions(), Ct, new Dictionary<string, string?> { ["LogsStorage"] = azurite.ConnectionString, ["Model:Path"] = flat }, s => s.AddSingleton<ITrainingCandidates>(challengers));
            var start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-35);
            var written = MarketWriter.Write(new MarketOptions { Users = 200, Days = 35, Seed = 31, Start = start }, Path.Combine(folder, "market"));
            var logs = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("logs");
            await logs.CreateIfNotExistsAsync(cancellationToken: Ct);
            var scoreRequests = new List<ScoreRequest>();
            foreach (var file in written.Files)
            {
                var name = Path.GetRelativePath(Path.Combine(folder, "market", "logs", "m1"), file).Replace('\\', '/');
                var bytes = await File.ReadAllBytesAsync(file, Ct);
                await logs.UploadBlobAsync("m1/" + name, BinaryData.FromBytes(bytes), Ct);
                scoreRequests.AddRange((await IngestLogTests.IngestAsync(app, "m1", name, bytes)).ScoreRequests);
            }

            var train = app.Function<TrainMerchantFunction>();
            await train.Run(JsonSerializer.Serialize(new TrainRequest { MerchantId = "m1" }, DemandJson.Options), Ct);

            var store = app.Get<IModelStore>();
            var state = (await store.GetStateAsync(MerchantId.Parse("m1"), Ct)).ShouldNotBeNull();
            var run = state.LastRun.ShouldNotBeNull();
            run.Promoted.ShouldBeTrue(run.Reason);
            var promoted = state.ActiveVersion.ShouldNotBeNull();
            state.ActiveKind.ShouldBeOneOf(CandidateKind.Merchant, CandidateKind.Baseline);
            state.Promotions.ShouldHaveSingleItem().Version.ShouldBe(promoted);
            var winner = run.BackTest.Single(f => f.Name == run.Winner);
            winner.RecallAt5.ShouldBeGreaterThanOrEqualTo(run.BackTest.Where(f => f.Kind == CandidateKind.Baseline).Max(f => f.RecallAt5));
            winner.RecallAt5.ShouldBeGreaterThan(run.BackTest.Single(f => f.Kind == CandidateKind.Global).RecallAt5);
            (await store.GetVersionAsync(MerchantId.Parse("m1"), promoted, Ct)).ShouldNotBeNull();

            foreach (var request in scoreRequests.TakeLast(2))
            {
                await app.Function<ScoreUsersFunction>().Run(JsonSerializer.Serialize(request, DemandJson.Options), Ct);
            }

            var profiles = new CosmosProfileStore(app.Db);
            var userId = scoreRequests[^1].UserIds[0];
            var profile = (await profiles.GetAsync(MerchantId.Parse("m1"), UserId.Parse(userId), Ct)).ShouldNotBeNull();
            profile.ModelVersion.ShouldBe(promoted, "ScoreUsers serves the promoted version");
            profile.Categories.ShouldNotBeEmpty();
            profile.Categories.ShouldContain(c => c.Propensity > 0.05, "a calibrated model, not the flat global one");

            // Next week: the same data plus a deliberately bad challenger (most-interacted, inverted).
            challengers.Bad = true;
            await train.Run(JsonSerializer.Serialize(new TrainRequest { MerchantId = "m1" }, DemandJson.Options), Ct);
            var after = (await store.GetStateAsync(MerchantId.Parse("m1"), Ct)).ShouldNotBeNull();
            after.LastRun!.BackTest.ShouldContain(f => f.Name == Challengers.BadName, "the bad candidate was back-tested");
            after.LastRun.Winner.ShouldNotBe(Challengers.BadName);
            after.LastRun.Promoted.ShouldBeFalse(after.LastRun.Reason);
            after.ActiveVersion.ShouldBe(promoted);
            after.Promotions.Count.ShouldBe(1);

            var response = (await ModelHandlers.GetModel(MerchantId.Parse("m1"), store, app.Get<MerchantModels>(), Ct)).Value.ShouldNotBeNull();
            response.ActiveVersion.ShouldBe(promoted);
            response.LastTraining!.BackTest.ShouldContain(f => f.Kind == "baseline");
            response.Promotions.ShouldHaveSingleItem();
            (await ModelHandlers.GetModel(MerchantId.Parse("m2"), store, app.Get<MerchantModels>(), Ct)).Value!.ActiveVersion.ShouldBe("flat-global", "a merchant never trained is served the global model");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_recipe_that_lost_on_live_outcomes_is_left_out_of_the_gate_when_the_nightly_asks_for_a_retrain()
    {
        await using var azurite = await AzuriteServer.StartAsync(null, Ct);
        var folder = Directory.CreateTempSubdirectory("demand-train-live-").FullName;
        try
        {
            var flat = Path.Combine(folder, "flat.onnx");
            await File.WriteAllBytesAsync(flat, LinearOnnxExporter.Export(new LinearRanker { Name = "flat", Weights = new double[PairExpansion.Count], Bias = -3 }, "flat-global"), Ct);
            await using var app = await TestApp.StartAsync(
                cosmos.NewDatabaseOptions(), Ct, new Dictionary<string, string?> { ["LogsStorage"] = azurite.ConnectionString, ["Model:Path"] = flat });
            var start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-35);
            var written = MarketWriter.Write(new MarketOptions { Users = 200, Days = 35, Seed = 37, Start = start }, Path.Combine(folder, "market"));
            var logs = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("logs");
            await logs.CreateIfNotExistsAsync(cancellationToken: Ct);
            foreach (var file in written.Files)
            {
                var name = Path.GetRelativePath(Path.Combine(folder, "market", "logs", "m1"), file).Replace('\\', '/');
                var bytes = await File.ReadAllBytesAsync(file, Ct);
                await logs.UploadBlobAsync("m1/" + name, BinaryData.FromBytes(bytes), Ct);
                await IngestLogTests.IngestAsync(app, "m1", name, bytes);
            }

            var train = app.Function<TrainMerchantFunction>();
            await train.Run(JsonSerializer.Serialize(new TrainRequest { MerchantId = "m1" }, DemandJson.Options), Ct);
            var store = app.Get<IModelStore>();
            var merchant = MerchantId.Parse("m1");
            var first = (await store.GetStateAsync(merchant, Ct)).ShouldNotBeNull();
            var champion = first.ActiveVersion.ShouldNotBeNull(first.LastRun!.Reason);

            // What the nights then measured: the champion's recipe, the merchant recipe and the global model each served two
            // horizons and lost to "baseline: b" by far.
            string[] lost = [champion, "merchant-logistic-20261101-00000001", "flat-global"];
            await store.UpdateStateAsync(merchant, s =>
            {
                var day = 0;
                foreach (var version in lost)
                {
                    for (var h = 0; h < 2; h++, day++)
                    {
                        s.Outcomes.Add(Outcome(version, new DateOnly(2026, 1, 1).AddDays(day)));
                    }
                }
            }, Ct);

            // The nightly's retrain request, through the real queue.
            await app.Get<ITrainingRequests>().RequestAsync(merchant, Ct);
            var queue = new QueueServiceClient(azurite.ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }).GetQueueClient("train-requests");
            var message = (await queue.ReceiveMessageAsync(cancellationToken: Ct)).Value.ShouldNotBeNull("the request is on the train-requests queue");
            await train.Run(message.Body.ToString(), Ct);

            var after = (await store.GetStateAsync(merchant, Ct)).ShouldNotBeNull();
            var run = after.LastRun.ShouldNotBeNull();
            run.Live.Where(r => r.Losing).Select(r => r.Recipe).ShouldBe(new[] { ModelVersions.Recipe(champion), "flat-global", "merchant-logistic" }.Distinct().Order(StringComparer.Ordinal));
            run.LeftOut.ShouldContain(l => l.StartsWith("current: " + champion, StringComparison.Ordinal), run.Reason);
            run.BackTest.ShouldAllBe(f => f.Kind == CandidateKind.Baseline, "the champion, the merchant model and the global model were left out: only the baselines stand");
            run.MerchantModelSkipped.ShouldNotBeNull().ShouldStartWith("left out on live outcomes");
            run.Reason.ShouldStartWith("left out on live outcomes: ");
            after.ActiveKind.ShouldBe(CandidateKind.Baseline);
            run.Promoted.ShouldBe(after.ActiveVersion != champion, "a new baseline version is promoted, or the champion was that baseline and stays");

            var response = (await ModelHandlers.GetModel(merchant, store, app.Get<MerchantModels>(), Ct)).Value.ShouldNotBeNull();
            response.LastTraining!.Live.ShouldContain(r => r.Recipe == "flat-global" && r.Losing && r.Horizons == 2 && r.Buyers == 80 && r.RecallAt5 == 0.1 && r.BestBaselineRecallAt5 == 0.5);
            response.LastTraining.LeftOut.Count.ShouldBe(run.LeftOut.Count);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static ModelOutcome Outcome(string version, DateOnly asOfDay) => new()
    {
        ModelVersion = version,
        AsOfDay = asOfDay,
        AsOf = new DateTimeOffset(asOfDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
        HorizonEnd = asOfDay.AddDays(7),
        EvaluatedAt = DateTimeOffset.UtcNow,
        Shoppers = 120,
        Buyers = 40,
        Pairs = 900,
        Auc = 0.6,
        RecallAt5 = 0.1,
        Ece = 0.02,
        MeanPropensity = 0.05,
        ObservedRate = 0.04,
        Baselines = [new OutcomeBaseline("baseline: b", 0.8, 0.5)],
    };

    private sealed class Challengers : ITrainingCandidates
    {
        public const string BadName = "challenger: most-interacted, inverted";

        public bool Bad { get; set; }

        public IReadOnlyList<GateCandidate> For(MerchantId merchantId)
        {
            if (!Bad)
            {
                return [];
            }

            var weights = new double[PairExpansion.Count];
            weights[PairExpansion.MostInteracted] = -2;
            var ranker = new LinearRanker { Name = BadName, Weights = weights, Bias = 0 };
            return [new GateCandidate(BadName, CandidateKind.Merchant, ranker.Score, ranker)];
        }
    }
}
