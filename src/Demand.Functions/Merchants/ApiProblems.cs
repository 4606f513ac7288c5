using Demand.Core.Identifiers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Demand.Functions.Merchants;

/// <summary>One shape for "not found", whatever the reason (unknown id, or another merchant's); one for an id that breaks its rule.</summary>
public static class ApiProblems
{
    public static ProblemHttpResult NotFound() =>
        TypedResults.Problem(title: "Not found", detail: "No such resource for this merchant.", statusCode: StatusCodes.Status404NotFound);

    /// <summary>400 naming the route field (<c>merchantId</c> or <c>userId</c>) and its rule; the value itself is not echoed: it may hold control characters or markup.</summary>
    public static ValidationProblem InvalidId(string field, string problem) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [field] = [$"Not a valid {field}: {problem}."] },
            title: $"Invalid {field}",
            detail: field == "userId" ? "User ids: " + UserId.Rule + " (docs/api.md)." : "Merchant ids: " + MerchantId.Rule + " (docs/api.md).");
}
