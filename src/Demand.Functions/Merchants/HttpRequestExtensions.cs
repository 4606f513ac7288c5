using Demand.Core.Identifiers;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Demand.Functions.Merchants;

/// <summary>Route values and query parameters as minimal APIs bind them: absent is null, present but malformed is a 400.</summary>
public static class HttpRequestExtensions
{
    public static string Route(this HttpRequest request, string name) =>
        request.HttpContext.GetRouteValue(name) as string ?? throw new InvalidOperationException($"The route has no {name}.");

    /// <summary>The route's merchant id, already validated by <see cref="ApiKeyMiddleware"/> or the dashboard's session middleware (an invalid one answered 400 there).</summary>
    public static MerchantId RouteMerchant(this HttpRequest request) => MerchantId.Parse(request.Route("merchantId"));

    /// <summary>The route's user id, already validated by <see cref="ApiKeyMiddleware"/> or the dashboard's session middleware (an invalid one answered 400 there).</summary>
    public static UserId RouteUser(this HttpRequest request) => UserId.Parse(request.Route("userId"));

    public static bool TryQuery(this HttpRequest request, string name, out int? value)
    {
        value = null;
        var raw = request.Query[name].ToString();
        if (raw.Length == 0)
        {
            return true;
        }

        var ok = int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed);
        value = ok ? parsed : null;
        return ok;
    }

    public static bool TryQuery(this HttpRequest request, string name, out double? value)
    {
        value = null;
        var raw = request.Query[name].ToString();
        if (raw.Length == 0)
        {
            return true;
        }

        var ok = double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed);
        value = ok ? parsed : null;
        return ok;
    }

    public static string? Query(this HttpRequest request, string name) =>
        request.Query.TryGetValue(name, out var value) && value.Count > 0 ? value.ToString() : null;

    public static ValidationProblem Malformed(string name) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [name] = [$"'{name}' is not a valid value."] });
}
