using System.Text.Json;
using Demand.Core;
using Demand.Core.Messaging;
using Demand.Infrastructure.Cosmos;
using Demand.Infrastructure.Storage;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Training;

/// <summary>
/// Timer trigger (Mondays 03:00 UTC, after the nightly run): one <c>train-requests</c> message per merchant, so each
/// merchant trains in its own invocation (its own time budget, its own retry).
/// </summary>
public sealed class TrainModelsFunction(CosmosInsightsStore insights)
{
    public const string Schedule = "0 0 3 * * 1";

    [Function(FunctionNames.TrainModels)]
    [QueueOutput(FunctionNames.TrainQueue, Connection = LogsStorage.ConnectionName)]
    public async Task<string[]> Run([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken)
    {
        _ = timer;
        var merchants = await insights.MerchantIdsAsync(cancellationToken);
        return [.. merchants.Select(m => JsonSerializer.Serialize(new TrainRequest { MerchantId = m }, DemandJson.Options))];
    }
}
