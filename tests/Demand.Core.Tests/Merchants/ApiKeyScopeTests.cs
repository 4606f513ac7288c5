using Demand.Core.Merchants;

namespace Demand.Core.Tests.Merchants;

public sealed class ApiKeyScopeTests
{
    [Fact]
    public void A_dashboard_key_verifies_only_in_the_dashboard_scope_and_a_storefront_key_only_in_the_storefront_scope()
    {
        var now = DateTimeOffset.UtcNow;
        var (dashboardKey, dashboardStored) = ApiKeys.Create("m1", now, KeyScope.Dashboard);
        var (storefrontKey, storefrontStored) = ApiKeys.Create("m1", now);
        var merchant = new MerchantDocument { Id = "m1", CreatedAt = now, ApiKeys = [dashboardStored, storefrontStored] };

        ApiKeys.TryParse(dashboardKey, out _, out _, out _).ShouldBeFalse("a dashboard key is no API key");
        ApiKeys.TryParse(dashboardKey, KeyScope.Dashboard, out _, out var dashboardId, out var dashboardSecret).ShouldBeTrue();
        ApiKeys.TryParse(storefrontKey, KeyScope.Dashboard, out _, out _, out _).ShouldBeFalse();
        ApiKeys.TryParse(storefrontKey, out _, out var storefrontId, out var storefrontSecret).ShouldBeTrue();

        ApiKeys.Verify(merchant, dashboardId, dashboardSecret, KeyScope.Dashboard).ShouldBeTrue();
        ApiKeys.Verify(merchant, dashboardId, dashboardSecret).ShouldBeFalse();
        ApiKeys.Verify(merchant, storefrontId, storefrontSecret).ShouldBeTrue();
        ApiKeys.Verify(merchant, storefrontId, storefrontSecret, KeyScope.Dashboard).ShouldBeFalse();
        ApiKeys.IsActive(merchant, dashboardId, KeyScope.Dashboard).ShouldBeTrue();
        ApiKeys.IsActive(merchant, storefrontId, KeyScope.Dashboard).ShouldBeFalse();
    }
}
