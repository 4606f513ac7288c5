using Demand.Functions.Hosting;
using Demand.Hosting.Envelope;

namespace Demand.Functions.Triggers.IngestLog;

/// <summary>Blob trigger on <c>logs/{merchantId}/{name}</c>: a log part → features, score and mine work, quarantine.</summary>
public static class IngestLogFunction
{
    public const string LogBinding = "log";
    public const string ScoreQueueBinding = "scoreQueue";
    public const string MineQueueBinding = "mineQueue";
    public const string RejectsBinding = "rejects";

    public static IServiceCollection AddIngestion(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        return services;
    }

    public static IEndpointRouteBuilder MapIngestLog(this IEndpointRouteBuilder app)
    {
        app.MapTrigger(FunctionNames.IngestLog, HandleAsync);
        return app;
    }

    private static Task<InvocationResult> HandleAsync(InvocationRequest request, IServiceProvider services, CancellationToken cancellationToken)
    {
        var log = request.GetBinary(LogBinding);
        var lines = log.Span.Count((byte)'\n');
        return Task.FromResult(new InvocationResult().Log("read " + lines + " lines from " + request.GetMetadata("Uri")));
    }
}
