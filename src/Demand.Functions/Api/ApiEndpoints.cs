using Microsoft.AspNetCore.Http.HttpResults;

namespace Demand.Functions.Api;

/// <summary>The storefront and merchant HTTP API under <c>/api</c> (proxied unchanged by the host's catch-all Api function).</summary>
public static class ApiEndpoints
{
    public static IServiceCollection AddDemandApi(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        services.AddProblemDetails();
        return services;
    }

    public static IEndpointRouteBuilder MapDemandApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/health", GetHealth).WithName("GetHealth").WithTags("Health");
        return app;
    }

    internal static Ok<HealthResponse> GetHealth() => TypedResults.Ok(new HealthResponse("ok"));
}

public sealed record HealthResponse(string Status);
