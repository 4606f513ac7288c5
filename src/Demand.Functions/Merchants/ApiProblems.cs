using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Demand.Functions.Merchants;

/// <summary>One shape for "not found", whatever the reason (unknown id, or another merchant's).</summary>
public static class ApiProblems
{
    public static ProblemHttpResult NotFound() =>
        TypedResults.Problem(title: "Not found", detail: "No such resource for this merchant.", statusCode: StatusCodes.Status404NotFound);
}
