using Demand.Core.Mining;
using Demand.Infrastructure.Mining;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Mining;

public static class MiningFeature
{
    /// <summary>
    /// An offline miner always (the learned one unless <c>Mining:Miner</c> is <c>lexicon</c>); the LLM miner, with the
    /// learned miner as its fallback, when <c>Mining:Miner</c> is <c>openai</c>. The learned miner loads its models once per process.
    /// </summary>
    public static IServiceCollection AddMining(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OpenAiMinerOptions>().Bind(configuration.GetSection(OpenAiMinerOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MiningOptions>().Bind(configuration.GetSection(MiningOptions.Section)).ValidateDataAnnotations()
            .Validate<IOptions<OpenAiMinerOptions>>((mining, openAi) => !mining.UsesOpenAi || openAi.Value.Endpoint is not null, "Mining:Miner is openai but Mining:OpenAi:Endpoint is not set.")
            .ValidateOnStart();
        services.AddSingleton(sp => LearnedMinerFiles.Default with { Int8Encoder = sp.GetRequiredService<IOptions<MiningOptions>>().Value.Encoder == "int8" });
        services.AddSingleton<LearnedNeedMiner>();
        services.AddSingleton<LexiconNeedMiner>();
        services.AddSingleton<IOfflineNeedMiner>(sp => sp.GetRequiredService<IOptions<MiningOptions>>().Value.Miner == "lexicon"
            ? sp.GetRequiredService<LexiconNeedMiner>()
            : sp.GetRequiredService<LearnedNeedMiner>());
        services.AddSingleton<OpenAiNeedMiner>();
        services.AddSingleton<INeedMiner>(sp => sp.GetRequiredService<IOptions<MiningOptions>>().Value.UsesOpenAi
            ? sp.GetRequiredService<OpenAiNeedMiner>()
            : sp.GetRequiredService<IOfflineNeedMiner>());
        if (!string.IsNullOrEmpty(configuration[OpenAiMinerOptions.Section + ":" + nameof(OpenAiMinerOptions.EmbeddingModel)]))
        {
            services.AddSingleton<INeedEmbedder, OpenAiNeedEmbedder>();
        }

        services.AddSingleton<ReviewMiningService>();
        return services;
    }
}
