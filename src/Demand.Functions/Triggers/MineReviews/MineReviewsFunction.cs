using Demand.Functions.Hosting;
using Demand.Hosting.Envelope;

namespace Demand.Functions.Triggers.MineReviews;

/// <summary>Queue trigger on the <c>mine-requests</c> queue.</summary>
public static class MineReviewsFunction
{
    public const string RequestBinding = "request";

    public static IServiceCollection AddMining(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        return services;
    }

    public static IEndpointRouteBuilder MapMineReviews(this IEndpointRouteBuilder app)
    {
        app.MapTrigger(FunctionNames.MineReviews, HandleAsync);
        return app;
    }

    private static Task<InvocationResult> HandleAsync(InvocationRequest request, IServiceProvider services, CancellationToken cancellationToken)
    {
        var message = request.GetString(RequestBinding);
        return Task.FromResult(new InvocationResult().Log("received " + (message?.Length ?? 0) + " chars"));
    }
}
