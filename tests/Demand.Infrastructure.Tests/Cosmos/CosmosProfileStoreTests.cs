using Demand.Core.Identifiers;
using Demand.Core.Profiles;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;

namespace Demand.Infrastructure.Tests.Cosmos;

public sealed class CosmosProfileStoreTests(CosmosServerFixture server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reading_an_unknown_profile_returns_null_because_the_patched_server_answers_404()
    {
        var store = new CosmosProfileStore(await server.CreateDatabaseAsync());

        (await store.GetAsync(MerchantId.Parse("m1"), UserId.Parse("nobody"), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task A_profile_is_invisible_under_another_merchants_partition_key()
    {
        var store = new CosmosProfileStore(await server.CreateDatabaseAsync());
        await store.UpdateAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), p => p.ModelVersion = "v1", Ct);

        (await store.GetAsync(MerchantId.Parse("m2"), UserId.Parse("u1"), Ct)).ShouldBeNull();
        (await store.GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct))!.ModelVersion.ShouldBe("v1");
    }

    [Fact]
    public async Task Concurrent_writers_of_different_parts_of_a_profile_both_land()
    {
        var store = new CosmosProfileStore(await server.CreateDatabaseAsync());

        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => i % 2 == 0
            ? store.UpdateAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), p => p.Categories = [new CategoryPropensity { CategoryId = "c" + i, Propensity = 0.5 }], Ct)
            : store.UpdateAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), p =>
            {
                if (!p.Needs.Exists(n => n.Need == "need" + i))
                {
                    p.Needs.Add(new UserNeed { Need = "need" + i, Aspect = "a", Polarity = "negative", Severity = 1 });
                }
            }, Ct)));

        var profile = await store.GetAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct);
        profile!.Needs.Count.ShouldBe(8);
        profile.Categories.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Deleting_a_profile_twice_reports_whether_it_existed()
    {
        var store = new CosmosProfileStore(await server.CreateDatabaseAsync());
        await store.UpdateAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), _ => { }, Ct);

        (await store.DeleteAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct)).ShouldBeTrue();
        (await store.DeleteAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), Ct)).ShouldBeFalse();
    }
}
