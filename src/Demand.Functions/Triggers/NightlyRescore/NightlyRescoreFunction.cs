using Demand.Functions.Hosting;
using Demand.Hosting.Envelope;

namespace Demand.Functions.Triggers.NightlyRescore;

/// <summary>Timer trigger (02:00 UTC): decay, fan-out rescoring, segments, forecasts, product insights.</summary>
public static class NightlyRescoreFunction
{
    public const string TimerBinding = "timer";
    public const string ScoreQueueBinding = "scoreQueue";

    public static IServiceCollection AddNightlyRescore(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        return services;
    }

    public static IEndpointRouteBuilder MapNightlyRescore(this IEndpointRouteBuilder app)
    {
        app.MapTrigger(FunctionNames.NightlyRescore, HandleAsync);
        return app;
    }

    private static Task<InvocationResult> HandleAsync(InvocationRequest request, IServiceProvider services, CancellationToken cancellationToken) =>
        Task.FromResult(new InvocationResult().Log("nightly rescore started"));
}
