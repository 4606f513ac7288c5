using Demand.Core;
using Demand.Core.Messaging;
using Demand.Core.Mining;
using Demand.Functions.Hosting;
using Demand.Hosting.Envelope;
using Demand.Infrastructure.Cosmos;
using Demand.Infrastructure.Mining;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Triggers.MineReviews;

/// <summary>Queue trigger on <c>mine-requests</c>: reviews → needs (cached per review and miner version) → profiles and summaries.</summary>
public static class MineReviewsFunction
{
    public const string RequestBinding = "request";

    /// <summary>The offline miner always; the LLM miner (with the offline one as its fallback) when <c>Mining:Miner</c> is <c>openai</c>.</summary>
    public static IServiceCollection AddMining(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OpenAiMinerOptions>().Bind(configuration.GetSection(OpenAiMinerOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MiningOptions>().Bind(configuration.GetSection(MiningOptions.Section)).ValidateDataAnnotations()
            .Validate<IOptions<OpenAiMinerOptions>>((mining, openAi) => !mining.UsesOpenAi || openAi.Value.Endpoint is not null, "Mining:Miner is openai but Mining:OpenAi:Endpoint is not set.")
            .ValidateOnStart();
        services.AddSingleton<LexiconNeedMiner>();
        services.AddSingleton<OpenAiNeedMiner>();
        services.AddSingleton<INeedMiner>(sp => sp.GetRequiredService<IOptions<MiningOptions>>().Value.UsesOpenAi
            ? sp.GetRequiredService<OpenAiNeedMiner>()
            : sp.GetRequiredService<LexiconNeedMiner>());
        if (!string.IsNullOrEmpty(configuration[OpenAiMinerOptions.Section + ":" + nameof(OpenAiMinerOptions.EmbeddingModel)]))
        {
            services.AddSingleton<INeedEmbedder, OpenAiNeedEmbedder>();
        }

        services.AddSingleton<CosmosReviewNeedStore>();
        services.AddSingleton<ReviewMiningService>();
        return services;
    }

    public static IEndpointRouteBuilder MapMineReviews(this IEndpointRouteBuilder app)
    {
        app.MapTrigger(FunctionNames.MineReviews, HandleAsync);
        return app;
    }

    private static async Task<InvocationResult> HandleAsync(InvocationRequest request, IServiceProvider services, CancellationToken cancellationToken)
    {
        var message = request.GetJson<MineRequest>(RequestBinding, DemandJson.Options) ?? throw new InvalidDataException("The mine request is empty.");
        var report = await services.GetRequiredService<ReviewMiningService>().MineAsync(message, cancellationToken);
        var version = services.GetRequiredService<INeedMiner>().Version;
        return new InvocationResult().Log(
            $"mined {report.Reviews} reviews of {message.MerchantId} ({report.Mined} new, {report.FromCache} from cache, {report.Provisional} provisional, {report.Remined} re-mined) with {version}: " +
            $"{report.Usage.Requests} requests, {report.Usage.InputTokens + report.Usage.OutputTokens} tokens, {report.Usage.DroppedNeeds} needs dropped, cost {report.Cost:0.######}");
    }
}
