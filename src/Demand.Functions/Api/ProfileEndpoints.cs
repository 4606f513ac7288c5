using Demand.Core.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Demand.Functions.Api;

/// <summary>Storefront reads: a shopper's need profile and what to act on.</summary>
internal static class ProfileEndpoints
{
    public static RouteGroupBuilder MapProfiles(this RouteGroupBuilder merchant)
    {
        var users = merchant.MapGroup("/users/{userId}").WithTags("Profiles");
        users.MapGet("/profile", GetProfile).WithName("GetProfile")
            .WithSummary("A shopper's need profile: category propensities with next-purchase dates and reasons, and needs mined from their reviews.");
        users.MapGet("/recommendations", GetRecommendations).WithName("GetRecommendations")
            .WithSummary("The top categories and unmet needs to act on for a shopper.");
        return merchant;
    }

    internal static async Task<Results<Ok<ProfileResponse>, StatusCodeHttpResult, ProblemHttpResult>> GetProfile(
        string merchantId, string userId, HttpContext context, IProfileStore profiles, CancellationToken cancellationToken)
    {
        var profile = await profiles.GetAsync(merchantId, userId, cancellationToken);
        if (profile is null)
        {
            return ApiProblems.NotFound();
        }

        var etag = "\"" + (profile.ETag ?? "").Trim('"') + "\"";
        if (context.Request.Headers.IfNoneMatch.Any(v => v == etag))
        {
            context.Response.Headers.ETag = etag;
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        context.Response.Headers.ETag = etag;
        context.Response.Headers.CacheControl = "private, max-age=60";
        return TypedResults.Ok(ProfileResponse.From(profile));
    }

    internal static async Task<Results<Ok<RecommendationsResponse>, ProblemHttpResult, ValidationProblem>> GetRecommendations(
        string merchantId, string userId, int? k, IProfileStore profiles, CancellationToken cancellationToken)
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
