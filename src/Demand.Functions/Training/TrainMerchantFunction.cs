using System.Text.Json;
using Demand.Core;
using Demand.Core.Identifiers;
using Demand.Core.Messaging;
using Demand.Infrastructure.Storage;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Training;

/// <summary>Queue trigger on <c>train-requests</c>: trains, back-tests and gates one merchant's rankers (<c>demand train --merchant</c> sends one).</summary>
public sealed class TrainMerchantFunction(MerchantModelTrainer trainer)
{
    [Function(FunctionNames.TrainMerchant)]
    public async Task Run([QueueTrigger(FunctionNames.TrainQueue, Connection = LogsStorage.ConnectionName)] string message, CancellationToken cancellationToken)
    {
        var request = JsonSerializer.Deserialize<TrainRequest>(message, DemandJson.Options) ?? throw new InvalidDataException("The train request is empty.");
        if (!MerchantId.TryParse(request.MerchantId, out var merchantId, out var reason))
        {
            throw new InvalidDataException($"The train request's merchant id is invalid: {reason}.");
        }

        await trainer.RunAsync(merchantId, cancellationToken);
    }
}
