using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Merchants;

/// <summary>
/// Paths under <c>/api</c> that no function matches (or a method a route does not take) answer the API's 404
/// ProblemDetails instead of the host's empty 404: a client that mistyped a route reads why, in the shape of every other error.
/// </summary>
public sealed class NotFoundFunction
{
    [Function("Unmatched")]
    public static ProblemHttpResult Unmatched(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", "post", "put", "patch", "delete", "options", Route = ApiRoutes.Unmatched)] HttpRequest request)
    {
        _ = request;
        return TypedResults.Problem(title: "Not found", detail: "No such route; the routes are listed in GET /api/openapi.json.", statusCode: StatusCodes.Status404NotFound);
    }
}
