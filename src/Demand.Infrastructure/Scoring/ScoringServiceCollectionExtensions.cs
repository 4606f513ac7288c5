using Demand.Core.Scoring;
using Demand.Core.Storage;
using Demand.Infrastructure.Onnx;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Demand.Infrastructure.Scoring;

public static class ScoringServiceCollectionExtensions
{
    /// <summary>The ONNX model (loaded at start: a model with another feature list stops the app), stats and the scorer.</summary>
    public static IServiceCollection AddDemandScoring(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ModelOptions>().Bind(configuration.GetSection(ModelOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IDemandModel>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ModelOptions>>().Value;
            var path = Path.IsPathRooted(options.Path) ? options.Path : Path.Combine(AppContext.BaseDirectory, options.Path);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"Model file not found at {path} (Model:Path).", path);
            }

            return OnnxModel.Load(File.ReadAllBytes(path), PairFeatures.Names, PairFeatures.Version);
        });
        services.AddSingleton<MerchantStatsProvider>();
        services.AddSingleton<MerchantModels>();
        services.AddSingleton<IProfileScorer, OnnxProfileScorer>();
        services.AddHostedService<ModelWarmup>();
        return services;
    }

    private sealed class ModelWarmup(IDemandModel model) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = model.Version;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
