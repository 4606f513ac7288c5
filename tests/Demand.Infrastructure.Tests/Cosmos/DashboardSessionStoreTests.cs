using Demand.Core.Identifiers;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;

namespace Demand.Infrastructure.Tests.Cosmos;

public sealed class DashboardSessionStoreTests(CosmosServerFixture server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_ended_session_is_ended_for_its_merchant_only_and_other_sessions_are_not()
    {
        var store = new CosmosDashboardSessionStore(await server.CreateDatabaseAsync(), TimeProvider.System);
        var session = Guid.NewGuid().ToString("N")[..24];

        await store.EndAsync(MerchantId.Parse("m1"), session, DateTimeOffset.UtcNow.AddMinutes(30), Ct);
        await store.EndAsync(MerchantId.Parse("m1"), session, DateTimeOffset.UtcNow.AddMinutes(30), Ct);

        (await store.IsEndedAsync(MerchantId.Parse("m1"), session, Ct)).ShouldBeTrue();
        (await store.IsEndedAsync(MerchantId.Parse("m2"), session, Ct)).ShouldBeFalse("another merchant's partition");
        (await store.IsEndedAsync(MerchantId.Parse("m1"), Guid.NewGuid().ToString("N")[..24], Ct)).ShouldBeFalse();
    }

    [Fact]
    public async Task A_session_already_expired_leaves_no_record_because_its_cookie_no_longer_works_anyway()
    {
        var db = await server.CreateDatabaseAsync();
        var store = new CosmosDashboardSessionStore(db, TimeProvider.System);
        var session = Guid.NewGuid().ToString("N")[..24];

        await store.EndAsync(MerchantId.Parse("m1"), session, DateTimeOffset.UtcNow.AddSeconds(-1), Ct);

        (await store.IsEndedAsync(MerchantId.Parse("m1"), session, Ct)).ShouldBeFalse();
    }
}
