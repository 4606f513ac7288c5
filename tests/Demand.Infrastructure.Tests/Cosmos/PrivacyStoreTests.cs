using Demand.Core.Features;
using Demand.Core.Identifiers;
using Demand.Core.Insights;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;

namespace Demand.Infrastructure.Tests.Cosmos;

public sealed class PrivacyStoreTests(CosmosServerFixture server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Erasure_removes_the_shopper_from_segments_at_once_and_says_whether_anything_existed()
    {
        var cosmos = await server.CreateDatabaseAsync();
        var (m1, u1) = (MerchantId.Parse("m1"), UserId.Parse("u1"));
        await new CosmosFeatureStore(cosmos).MergeAsync("p1", Observed(u1), Ct);
        var page = new SegmentPage { MerchantId = "m1", CategoryId = "c1", Page = 0, Pages = 1, BuiltAt = DateTimeOffset.UtcNow, Members = [new("u1", 0.9), new("u2", 0.5)] };
        await cosmos.Insights.UpsertItemAsync(page, DemandCosmos.MerchantKey("m1"), cancellationToken: Ct);
        var privacy = new CosmosPrivacyStore(cosmos, new CosmosReviewNeedStore(cosmos, TimeProvider.System), TimeProvider.System);

        (await privacy.EraseAsync(m1, u1, Ct)).ShouldBeTrue();
        (await privacy.EraseAsync(m1, u1, Ct)).ShouldBeFalse("nothing was left to erase");
        (await privacy.EraseAsync(m1, UserId.Parse("never-seen"), Ct)).ShouldBeFalse();

        var after = await new CosmosInsightsStore(cosmos, TimeProvider.System).SegmentPageAsync("m1", "c1", 0, Ct);
        after!.Members.Select(m => m.UserId).ShouldBe(["u2"]);
        (await new CosmosIngestionStore(cosmos).IsErasedAsync(m1, u1, Ct)).ShouldBeTrue();
        (await new CosmosIngestionStore(cosmos).IsErasedAsync(m1, UserId.Parse("u2"), Ct)).ShouldBeFalse();
    }

    private static UserFeatures Observed(UserId user)
    {
        var features = UserFeatures.Create("m1", user);
        features.Observe(Core.Events.EventType.View, "c1", DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());
        return features;
    }
}
