using Demand.Core.Mining;
using Demand.Infrastructure.Mining;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Mining;

public static class MiningFeature
{
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

        services.AddSingleton<ReviewMiningService>();
        return services;
    }
}
