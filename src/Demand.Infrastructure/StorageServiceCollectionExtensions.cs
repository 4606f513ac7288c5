using Demand.Core.Storage;
using Demand.Infrastructure.Cosmos;
using Demand.Infrastructure.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Demand.Infrastructure;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Every store the features share: Cosmos DB (client, database, one store per kind of document) and the
    /// <c>LogsStorage</c> account (blobs and queues). Registered once here so removing one feature's <c>Add…()</c> never
    /// breaks another at first use.
    /// </summary>
    public static IServiceCollection AddDemandStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddDemandCosmos(configuration);
        services.TryAddSingleton<IFeatureStore, CosmosFeatureStore>();
        services.TryAddSingleton<IIngestionStore, CosmosIngestionStore>();
        services.TryAddSingleton<IMerchantStore, CosmosMerchantStore>();
        services.TryAddSingleton<IDashboardSessionStore, CosmosDashboardSessionStore>();
        services.TryAddSingleton<IPrivacyStore, CosmosPrivacyStore>();
        services.TryAddSingleton<CosmosInsightsStore>();
        services.TryAddSingleton<CosmosReviewNeedStore>();
        services.TryAddSingleton(_ => new LogsStorage(configuration));
        services.TryAddSingleton<IQuarantine, BlobQuarantine>();
        services.TryAddSingleton<IUploadUrls, BlobUploadUrls>();
        services.TryAddSingleton<ILogArchive, BlobLogArchive>();
        services.TryAddSingleton<IModelStore, Scoring.ModelStore>();
        services.TryAddSingleton<IPredictionSnapshots, Scoring.BlobPredictionSnapshots>();
        return services;
    }
}
