using System.Threading.RateLimiting;
using Demand.Core.Merchants;
using Demand.Infrastructure.Cosmos;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Demand.Functions.Api;

/// <summary>The storefront and merchant HTTP API under <c>/api</c> (proxied unchanged by the host's catch-all Api function).</summary>
public static class ApiEndpoints
{
    public const string PerKeyPolicy = "per-key";

    public static IServiceCollection AddDemandApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApiOptions>().Bind(configuration.GetSection(ApiOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddProblemDetails();
        services.AddOpenApi();
        services.AddSingleton<IMerchantStore, CosmosMerchantStore>();
        services.AddSingleton<MerchantKeyCache>();
        services.AddSingleton<IPrivacyStore, CosmosPrivacyStore>();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(PerKeyPolicy, context =>
            {
                // Partition by key id (never the secret) so one storefront cannot starve another.
                var limit = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<ApiOptions>>().Value.RequestsPerMinutePerKey;
                var partition = ApiKeys.TryParse(context.Request.Headers[ApiKeyFilter.Header].ToString(), out var merchant, out var keyId, out _) ? merchant + "." + keyId : "anonymous";
                return RateLimitPartition.GetFixedWindowLimiter(partition, _ => new FixedWindowRateLimiterOptions { PermitLimit = limit, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
            });
        });
        return services;
    }

    public static IEndpointRouteBuilder MapDemandApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/health", GetHealth).WithName("GetHealth").WithTags("Health");
        api.MapOpenApi("/openapi.json");
        var merchant = api.MapGroup("/v1/merchants/{merchantId}")
            .AddEndpointFilter<ApiKeyFilter>()
            .RequireRateLimiting(PerKeyPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        merchant.MapProfiles();
        merchant.MapPrivacy();
        merchant.MapIngestions();
        merchant.MapProducts();
        merchant.MapNeeds();
        merchant.MapInsights();
        merchant.MapEvents();
        return app;
    }

    internal static Ok<HealthResponse> GetHealth() => TypedResults.Ok(new HealthResponse("ok"));
}

/// <summary>API settings (section <c>Api</c>).</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)]
    public int RequestsPerMinutePerKey { get; set; } = 1_200;

    /// <summary>How long an instance keeps a merchant's key hashes (0: read them on every request); bounds how long a revoked key still works.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 3_600)]
    public int KeyCacheSeconds { get; set; } = 30;
}
