using System.Text.Json;
using Azure.Storage.Blobs;
using Demand.Core;
using Demand.Core.Events;
using Demand.Core.Identifiers;
using Demand.Core.Insights;
using Demand.Core.Messaging;
using Demand.Core.Scoring;
using Demand.Core.Storage;
using Demand.Functions.Nightly;
using Demand.Functions.Scoring;
using Demand.Functions.Tests.Infrastructure;
using Demand.Functions.Tests.Ingestion;
using Demand.Functions.Training;
using Demand.Infrastructure.Cosmos;
using Demand.Infrastructure.Scoring;
using Demand.Testing;
using Demand.Tooling.Local;
using Demand.Tooling.Synthetic;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Tests.Nightly;

/// <summary>
/// Outcome tracking over real adapters (Azurite blobs for the snapshots, cosmosdb-server for the model state, ONNX
/// Runtime for the scores): a night records what the served model predicts, a night after the horizon compares it with
/// what the generated shoppers bought, and the model API shows the figures.
/// </summary>
public sealed class OutcomeTrackingTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_night_after_the_horizon_shows_the_outcome_of_what_was_served_once_even_when_retried_and_to_its_merchant_only()
    {
        await using var azurite = await AzuriteServer.StartAsync(null, Ct);
        var hooks = new CrashOnceAfterOutcomes();
        await using var app = await TestApp.StartAsync(
            cosmos.NewDatabaseOptions(), Ct, new Dictionary<string, string?> { ["LogsStorage"] = azurite.ConnectionString }, s => s.AddSingleton<INightlyHooks>(hooks));
        var market = new MarketOptions { Users = 150, Days = 24, Seed = 12, Start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-25) };
        var folder = Directory.CreateTempSubdirectory("demand-outcomes-").FullName;
        var m1 = MerchantId.Parse("m1");
        try
        {
            var files = MarketWriter.Write(market, folder).Files.Order(StringComparer.Ordinal).ToList();
            async Task IngestDaysAsync(IEnumerable<string> parts)
            {
                foreach (var file in parts)
                {
                    var name = Path.GetRelativePath(Path.Combine(folder, "logs", "m1"), file).Replace('\\', '/');
                    await IngestLogTests.IngestAsync(app, "m1", name, await File.ReadAllBytesAsync(file, Ct));
                }
            }

            Task<IReadOnlyList<ScoreRequest>> NightAsync(DateOnly night, string messageId) => app.Get<NightlyMerchantRun>().RunAsync(
                new NightlyMerchantRequest { MerchantId = "m1", Night = night.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), AsOf = DateTimeOffset.UtcNow },
                messageId,
                Ct);

            // Night 1 after 12 days of logs: today's snapshot, with the model that serves; its shoppers are rescored.
            await IngestDaysAsync(files.Take(12));
            var requests = await NightAsync(market.Start.AddDays(12), "night-1");
            var snapshots = app.Get<IPredictionSnapshots>();
            var asOfDay = market.Start.AddDays(11);
            (await snapshots.ListAsync(m1, Ct)).Select(s => s.AsOfDay).ShouldBe([asOfDay]);
            var snapshot = (await snapshots.GetAsync(m1, asOfDay, Ct)).ShouldNotBeNull();
            snapshot.ModelVersion.ShouldBe(app.Get<MerchantModels>().Global.Version);
            snapshot.Shoppers.Count.ShouldBe(requests.Sum(r => r.UserIds.Count), "every active shopper (fewer than the 2,000 kept)");

            // The snapshot is what profiles were served: ScoreUsers, as of the same data time, keeps the top of the same scores.
            foreach (var request in requests)
            {
                await app.Function<ScoreUsersFunction>().Run(JsonSerializer.Serialize(request, DemandJson.Options), Ct);
            }

            var byKey = new MarketGenerator(market).Generate().Select(g => g.Event.UserId).Distinct().ToDictionary(OutcomeTracking.ShopperKey, u => u, StringComparer.Ordinal);
            var profiles = new CosmosProfileStore(app.Db);
            foreach (var shopper in snapshot.Shoppers.Where(s => s.Categories.Count > 0).Take(10))
            {
                var profile = (await profiles.GetAsync(m1, UserId.Parse(byKey[shopper.Key]), Ct)).ShouldNotBeNull();
                var top = Enumerable.Range(0, shopper.Categories.Count).OrderByDescending(i => shopper.Propensities[i]).ThenBy(i => shopper.Categories[i], StringComparer.Ordinal)
                    .Take(profile.Categories.Count).Select(i => (shopper.Categories[i], Math.Round(shopper.Propensities[i], 4)));
                profile.Categories.Select(c => (c.CategoryId, c.Propensity)).ShouldBe(top);
                profile.ModelVersion.ShouldBe(snapshot.ModelVersion);
            }

            // The rest of the log: the data now runs past the horizon's last day. Night 2 crashes once after recording
            // its outcome; the host's retry of the same message must not add a second one.
            await IngestDaysAsync(files.Skip(12));
            var damaged = market.Start.AddDays(2);
            await new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("models")
                .UploadBlobAsync($"m1/snapshots/{damaged:yyyy-MM-dd}.json", BinaryData.FromString("{\"shoppers\": [tru"), Ct);
            await Should.ThrowAsync<InvalidOperationException>(() => NightAsync(market.Start.AddDays(24), "night-2"));
            await NightAsync(market.Start.AddDays(24), "night-2");
            var state = (await app.Get<IModelStore>().GetStateAsync(m1, Ct)).ShouldNotBeNull();
            var outcome = state.Outcomes.ShouldHaveSingleItem();
            (await snapshots.ListAsync(m1, Ct)).Select(s => s.AsOfDay).ShouldBe([market.Start.AddDays(23)], "the evaluated and the damaged snapshots are gone, the new day's is recorded");

            // Recomputed independently from the generated purchases on the seven days after the as-of day.
            var bought = new MarketGenerator(market).Generate()
                .Where(g => g.Event is { Type: EventType.Purchase, CategoryId: not null } && DateOnly.FromDateTime(g.Event.Timestamp.UtcDateTime) is var d && d > asOfDay && d <= asOfDay.AddDays(7))
                .GroupBy(g => g.Event.UserId)
                .ToDictionary(g => g.Key, g => g.Select(e => e.Event.CategoryId!).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
            var scored = snapshot.Shoppers.SelectMany(s => s.Categories.Select((c, i) => (Score: (double)s.Propensities[i], Bought: bought.GetValueOrDefault(byKey[s.Key])?.Contains(c) == true))).ToList();
            var positives = scored.Where(p => p.Bought).Select(p => p.Score).ToList();
            var negatives = scored.Where(p => !p.Bought).Select(p => p.Score).ToList();
            var auc = positives.Sum(p => negatives.Sum(n => p > n ? 1.0 : p == n ? 0.5 : 0)) / (positives.Count * (double)negatives.Count);
            var recalls = snapshot.Shoppers.Where(s => bought.ContainsKey(byKey[s.Key])).Select(s =>
            {
                var set = bought[byKey[s.Key]];
                var top5 = Enumerable.Range(0, s.Categories.Count).OrderByDescending(i => s.Propensities[i]).ThenBy(i => s.Categories[i], StringComparer.Ordinal).Take(5).Select(i => s.Categories[i]);
                return top5.Count(set.Contains) / (double)set.Count;
            }).ToList();

            positives.Count.ShouldBeGreaterThan(10, "a horizon with purchases to rank");
            outcome.ModelVersion.ShouldBe(snapshot.ModelVersion);
            outcome.AsOfDay.ShouldBe(asOfDay);
            outcome.HorizonEnd.ShouldBe(asOfDay.AddDays(7));
            outcome.Shoppers.ShouldBe(snapshot.Shoppers.Count);
            outcome.Buyers.ShouldBe(recalls.Count);
            outcome.Pairs.ShouldBe(scored.Count);
            outcome.Auc.ShouldNotBeNull().ShouldBe(auc, 0.00005);
            outcome.RecallAt5.ShouldNotBeNull().ShouldBe(recalls.Average(), 0.00005);
            outcome.ObservedRate.ShouldBe(positives.Count / (double)scored.Count, 0.00005);
            outcome.MeanPropensity.ShouldBe(scored.Average(p => p.Score), 0.00005);
            outcome.Baselines.Select(b => b.Name).ShouldBe(LinearRanker.Baselines.Select(b => b.Name));
            (JsonSerializer.SerializeToUtf8Bytes(snapshot, DemandJson.Options).Length / (double)scored.Count).ShouldBeLessThan(80, "a compact snapshot: about 60 bytes a candidate");

            // Another night on the same data evaluates nothing new.
            await NightAsync(market.Start.AddDays(25), "night-3");
            (await app.Get<IModelStore>().GetStateAsync(m1, Ct))!.Outcomes.ShouldHaveSingleItem();

            var response = (await ModelHandlers.GetModel(m1, app.Get<IModelStore>(), app.Get<MerchantModels>(), Ct)).Value.ShouldNotBeNull();
            var shown = response.Outcomes.ShouldHaveSingleItem();
            (shown.ModelVersion, shown.AsOfDay, shown.Auc, shown.RecallAt5, shown.Buyers, shown.Ece).ShouldBe((outcome.ModelVersion, outcome.AsOfDay, outcome.Auc, outcome.RecallAt5, outcome.Buyers, outcome.Ece));
            shown.Baselines.Count.ShouldBe(LinearRanker.Baselines.Count);

            var m2 = MerchantId.Parse("m2");
            (await ModelHandlers.GetModel(m2, app.Get<IModelStore>(), app.Get<MerchantModels>(), Ct)).Value!.Outcomes.ShouldBeEmpty("another merchant never sees m1's outcomes");
            (await snapshots.ListAsync(m2, Ct)).ShouldBeEmpty();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_snapshot_whose_horizon_the_data_never_reaches_is_replaced_after_thirty_days_not_kept_forever()
    {
        var time = new SettableTime(DateTimeOffset.UtcNow);
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct, services: s => s.AddSingleton<TimeProvider>(time));
        var market = new MarketOptions { Users = 40, Days = 5, Seed = 3, Start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-6) };
        var folder = Directory.CreateTempSubdirectory("demand-outcomes-").FullName;
        try
        {
            foreach (var file in MarketWriter.Write(market, folder).Files)
            {
                var name = Path.GetRelativePath(Path.Combine(folder, "logs", "m1"), file).Replace('\\', '/');
                await IngestLogTests.IngestAsync(app, "m1", name, await File.ReadAllBytesAsync(file, Ct));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        var start = time.Now;
        var snapshots = app.Get<IPredictionSnapshots>();
        async Task<IReadOnlyList<StoredSnapshot>> NightAsync(int daysLater)
        {
            time.Now = start.AddDays(daysLater);
            var night = DateOnly.FromDateTime(time.Now.UtcDateTime).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            await app.Get<NightlyMerchantRun>().RunAsync(new NightlyMerchantRequest { MerchantId = "m1", Night = night, AsOf = time.Now }, "night-" + daysLater, Ct);
            return await snapshots.ListAsync(MerchantId.Parse("m1"), Ct);
        }

        var first = (await NightAsync(0)).ShouldHaveSingleItem();
        first.AsOfDay.ShouldBe(market.Start.AddDays(4));
        (await NightAsync(29)).ShouldHaveSingleItem().ShouldBe(first, "no new data: the day's first snapshot stands");
        var renewed = (await NightAsync(31)).ShouldHaveSingleItem();
        renewed.AsOfDay.ShouldBe(first.AsOfDay);
        renewed.WrittenAt.ShouldBe(start.AddDays(31), "the expired snapshot went and tonight's shoppers were recorded afresh");
        (await app.Get<IModelStore>().GetStateAsync(MerchantId.Parse("m1"), Ct))?.Outcomes.ShouldBeEmpty("nothing was evaluated without a horizon");
    }

    private sealed class SettableTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>A crash right after the first night that tracked outcomes recorded it (the host then redelivers the message).</summary>
    private sealed class CrashOnceAfterOutcomes : INightlyHooks
    {
        private int _evaluations;

        public Task AfterStepAsync(string merchantId, NightlyStep step, CancellationToken cancellationToken) =>
            step == NightlyStep.OutcomesTracked && Interlocked.Increment(ref _evaluations) == 2
                ? throw new InvalidOperationException("Injected crash after tracking " + merchantId + "'s outcomes.")
                : Task.CompletedTask;
    }
}
