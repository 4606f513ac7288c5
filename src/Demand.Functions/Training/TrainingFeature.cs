using Demand.Core.Messaging;
using Demand.Infrastructure.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Training;

public static class TrainingFeature
{
    /// <summary>Weekly per-merchant training with the champion gate (TrainModels, TrainMerchant) and the model endpoint.</summary>
    public static IServiceCollection AddTraining(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TrainingOptions>().Bind(configuration.GetSection(TrainingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<MerchantModelTrainer>();
        services.AddSingleton<ITrainingRequests>(sp => new QueueTrainingRequests(sp.GetRequiredService<LogsStorage>(), FunctionNames.TrainQueue));
        return services;
    }
}
