using Demand.Core;
using Demand.Core.Ingestion;
using Demand.Core.Storage;
using Demand.Functions.Hosting;
using Demand.Hosting.Envelope;
using Demand.Infrastructure.Cosmos;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

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
        services.AddOptions<IngestionOptions>()
            .Bind(configuration.GetSection(IngestionOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IFeatureStore, CosmosFeatureStore>();
        services.TryAddSingleton<IIngestionStore, CosmosIngestionStore>();
        services.TryAddSingleton<IIngestionProbe, NoIngestionProbe>();
        services.AddSingleton<LogPartIngestor>();
        return services;
    }

    public static IEndpointRouteBuilder MapIngestLog(this IEndpointRouteBuilder app)
    {
        app.MapTrigger(FunctionNames.IngestLog, HandleAsync);
        return app;
    }

    private static async Task<InvocationResult> HandleAsync(InvocationRequest request, IServiceProvider services, CancellationToken cancellationToken)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(IngestLogFunction));
        var uri = request.GetMetadata("Uri");
        string merchantId, name;
        try
        {
            (merchantId, name) = PartIdentity.FromBlobUri(new Uri(uri ?? throw new FormatException("The invocation has no Uri metadata.")));
        }
        catch (FormatException ex)
        {
            // Retrying cannot fix a bad path: answer 200 so the host does not loop, and say why.
            logger.LogWarning("Ignoring blob {Uri}: {Reason}", uri, ex.Message);
            return new InvocationResult().Log("ignored blob: " + ex.Message);
        }

        var content = request.GetBinary(LogBinding);
        var ingestor = services.GetRequiredService<LogPartIngestor>();
        var options = services.GetRequiredService<IOptions<IngestionOptions>>().Value;
        var result = await ingestor.IngestAsync(merchantId, name, content, options.MaxConcurrency, cancellationToken);
        var report = result.Report;
        logger.LogInformation(
            "Ingested part {PartId} of merchant {MerchantId}: {Status}, {LinesRead} lines, {Accepted} accepted, {Rejected} rejected, {Duplicates} duplicates, {Users} users",
            report.PartId, merchantId, report.Status, report.LinesRead, report.Accepted, report.Rejected, report.Duplicates, report.UsersTouched);

        var output = new InvocationResult()
            .AddMessages(ScoreQueueBinding, result.ScoreRequests, DemandJson.Options)
            .AddMessages(MineQueueBinding, result.MineRequests, DemandJson.Options)
            .Log($"part {report.PartId}: {report.Status} {report.Error}".TrimEnd());
        if (!result.Quarantine.IsEmpty)
        {
            output.SetBlob(RejectsBinding, result.Quarantine);
        }

        return output;
    }
}
