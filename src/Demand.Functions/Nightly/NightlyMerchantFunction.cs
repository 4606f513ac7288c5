using System.Text.Json;
using Demand.Core;
using Demand.Core.Messaging;
using Demand.Infrastructure.Storage;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Nightly;

/// <summary>Queue trigger on <c>nightly-merchants</c>: one merchant's share of a night; its score-requests go out only if it succeeds.</summary>
public sealed class NightlyMerchantFunction(NightlyMerchantRun run)
{
    [Function(FunctionNames.NightlyMerchant)]
    [QueueOutput(FunctionNames.ScoreQueue, Connection = LogsStorage.ConnectionName)]
    public async Task<string[]> Run(
        [QueueTrigger(FunctionNames.NightlyQueue, Connection = LogsStorage.ConnectionName)] string message, FunctionContext context, CancellationToken cancellationToken)
    {
        var request = JsonSerializer.Deserialize<NightlyMerchantRequest>(message, DemandJson.Options) ?? throw new InvalidDataException("The nightly merchant request is empty.");
        var messageId = context.BindingContext.BindingData.TryGetValue("Id", out var id) && id?.ToString() is { Length: > 0 } text
            ? text
            : throw new InvalidDataException("The queue message has no id.");
        var requests = await run.RunAsync(request, messageId, cancellationToken);
        return [.. requests.Select(r => JsonSerializer.Serialize(r, DemandJson.Options))];
    }
}
