using System.Text.Json;
using Demand.Core;
using Demand.Core.Identifiers;
using Demand.Core.Messaging;

namespace Demand.Infrastructure.Storage;

/// <summary>Train requests as messages on the <c>LogsStorage</c> queue that the TrainMerchant trigger reads.</summary>
public sealed class QueueTrainingRequests(LogsStorage storage, string queueName) : ITrainingRequests
{
    public async Task RequestAsync(MerchantId merchantId, CancellationToken cancellationToken)
    {
        var queue = storage.Queues.GetQueueClient(queueName);
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await queue.SendMessageAsync(JsonSerializer.Serialize(new TrainRequest { MerchantId = merchantId.Value }, DemandJson.Options), cancellationToken);
    }
}
