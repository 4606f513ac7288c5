using Demand.Core.Identifiers;
using Demand.Core.Storage;
using Demand.Functions.Merchants;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Profiles;

/// <summary>Storefront reads: a shopper's need profile and what to act on.</summary>
public sealed class ProfileFunctions(IProfileStore profiles)
{
    [Function("GetProfile")]
    public Task<Results<Ok<ProfileResponse>, StatusCodeHttpResult, ProblemHttpResult>> GetProfile(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Profile)] HttpRequest request, CancellationToken cancellationToken) =>
        ProfileHandlers.GetProfile(request.RouteMerchant(), request.RouteUser(), request.HttpContext, profiles, cancellationToken);

    [Function("GetRecommendations")]
    public async Task<Results<Ok<RecommendationsResponse>, ProblemHttpResult, ValidationProblem>> GetRecommendations(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Recommendations)] HttpRequest request, CancellationToken cancellationToken) =>
        request.TryQuery("k", out int? k)
            ? await ProfileHandlers.GetRecommendations(request.RouteMerchant(), request.RouteUser(), k, profiles, cancellationToken)
            : HttpRequestExtensions.Malformed("k");
}

/// <summary>The handlers behind <see cref="ProfileFunctions"/>, also described in OpenAPI.</summary>
public static class ProfileHandlers
{
    public static async Task<Results<Ok<ProfileResponse>, StatusCodeHttpResult, ProblemHttpResult>> GetProfile(
        MerchantId merchantId, UserId userId, HttpContext context, [FromServices] IProfileStore profiles, CancellationToken cancellationToken)
    {
        var profile = await profiles.GetAsync(merchantId, userId, cancellationToken);
        if (profile is null)
        {
            return ApiProblems.NotFound();
        }

        var etag = "\"" + (profile.ETag ?? "").Trim('"') + "\"";
        if (NotModified(context.Request.Headers.IfNoneMatch, etag))
        {
            context.Response.Headers.ETag = etag;
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        context.Response.Headers.ETag = etag;
        context.Response.Headers.CacheControl = "private, max-age=60";
        return TypedResults.Ok(ProfileResponse.From(profile));
    }

    /// <summary>
    /// RFC 9110 §13.1.2: If-None-Match holds a list of tags, compared weakly (a <c>W/</c> prefix does not matter), or
    /// <c>*</c> for "any current representation".
    /// </summary>
    internal static bool NotModified(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        if (ifNoneMatch.Count == 0 || !Microsoft.Net.Http.Headers.EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags))
        {
            return false;
        }

        var current = new Microsoft.Net.Http.Headers.EntityTagHeaderValue(etag);
        return tags.Any(t => t.Equals(Microsoft.Net.Http.Headers.EntityTagHeaderValue.Any) || t.Compare(current, useStrongComparison: false));
    }

    public static async Task<Results<Ok<RecommendationsResponse>, ProblemHttpResult, ValidationProblem>> GetRecommendations(
        MerchantId merchantId, UserId userId, int? k, [FromServices] IProfileStore profiles, CancellationToken cancellationToken)
    {
        var count = k ?? 5;
        if (count is < 1 or > 50)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["k"] = ["k must be between 1 and 50."] });
        }

        var profile = await profiles.GetAsync(merchantId, userId, cancellationToken);
        if (profile is null)
        {
            return ApiProblems.NotFound();
        }

        var response = ProfileResponse.From(profile);
        return TypedResults.Ok(new RecommendationsResponse(
            userId,
            response.Categories.OrderByDescending(c => c.Propensity).Take(count).ToList(),
            response.Needs.Where(n => n.Polarity == "negative").OrderByDescending(n => n.Severity).ThenByDescending(n => n.Evidence.Count).Take(count).ToList()));
    }
}
