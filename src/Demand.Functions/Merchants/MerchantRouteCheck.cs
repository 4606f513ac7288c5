using Demand.Core.Identifiers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Demand.Functions.Merchants;

/// <summary>
/// The route's ids against the caller's merchant, once for both ways in (<see cref="ApiKeyMiddleware"/> after the key,
/// <see cref="Dashboard.DashboardSessionMiddleware"/> after the session), in one order: a <c>merchantId</c> or
/// <c>userId</c> breaking its rule is the 400 naming the field, before any handler or store sees it; a valid merchant
/// id that is not the caller's is exactly the 404 of an id that does not exist, so tenants cannot probe each other.
/// </summary>
public static class MerchantRouteCheck
{
    /// <summary>The problem to answer instead of running the function, or null when the route is the caller's.</summary>
    public static IResult? Problem(HttpContext http, MerchantId caller)
    {
        var routeMerchant = http.GetRouteValue("merchantId") as string;
        var routeId = default(MerchantId);
        if (routeMerchant is not null && !MerchantId.TryParse(routeMerchant, out routeId, out var merchantProblem))
        {
            return ApiProblems.InvalidId("merchantId", merchantProblem);
        }

        if (http.GetRouteValue("userId") is string routeUser && !UserId.TryParse(routeUser, out _, out var userProblem))
        {
            return ApiProblems.InvalidId("userId", userProblem);
        }

        return routeMerchant is not null && routeId != caller ? ApiProblems.NotFound() : null;
    }
}
