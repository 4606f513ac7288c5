using Demand.Functions.Profiles;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Merchants;

/// <summary>Liveness for probes and storefront checks, and the OpenAPI description of the whole API.</summary>
public sealed class HealthFunction(ApiDescription description)
{
    [Function("GetHealth")]
    public static Ok<HealthResponse> GetHealth([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Health)] HttpRequest request)
    {
        _ = request;
        return HealthHandlers.GetHealth();
    }

    [Function("GetOpenApi")]
    public async Task<IResult> GetOpenApi([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.OpenApi)] HttpRequest request, CancellationToken cancellationToken)
    {
        _ = request;
        return TypedResults.Text(await description.JsonAsync(cancellationToken), "application/json; charset=utf-8");
    }
}

/// <summary>The handler behind <see cref="HealthFunction.GetHealth"/>, also described in OpenAPI.</summary>
public static class HealthHandlers
{
    public static Ok<HealthResponse> GetHealth() => TypedResults.Ok(new HealthResponse("ok"));
}
