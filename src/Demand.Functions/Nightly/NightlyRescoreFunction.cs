using System.Text.Json;
using Demand.Core;
using Demand.Infrastructure.Storage;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Nightly;

/// <summary>Timer trigger (02:00 UTC): dispatches one <c>nightly-merchants</c> message per unfinished merchant.</summary>
public sealed class NightlyRescoreFunction(NightlyDispatch dispatch)
{
    [Function(FunctionNames.NightlyRescore)]
    [QueueOutput(FunctionNames.NightlyQueue, Connection = LogsStorage.ConnectionName)]
    public async Task<string[]> Run([TimerTrigger(NightlyDispatch.Schedule)] TimerInfo timer, CancellationToken cancellationToken)
    {
        _ = timer;
        var requests = await dispatch.RunAsync(cancellationToken);
        return [.. requests.Select(r => JsonSerializer.Serialize(r, DemandJson.Options))];
    }
}
