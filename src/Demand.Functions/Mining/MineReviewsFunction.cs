using System.Text.Json;
using Demand.Core;
using Demand.Core.Messaging;
using Demand.Core.Mining;
using Demand.Infrastructure.Mining;
using Demand.Infrastructure.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Demand.Functions.Mining;

/// <summary>Queue trigger on <c>mine-requests</c>: reviews → needs (cached per review and miner version) → profiles and summaries.</summary>
public sealed partial class MineReviewsFunction(ReviewMiningService mining, INeedMiner miner, ILogger<MineReviewsFunction> logger)
{
    [Function(FunctionNames.MineReviews)]
    public async Task Run([QueueTrigger(FunctionNames.MineQueue, Connection = LogsStorage.ConnectionName)] string message, CancellationToken cancellationToken)
    {
        var request = JsonSerializer.Deserialize<MineRequest>(message, DemandJson.Options) ?? throw new InvalidDataException("The mine request is empty.");
        var report = await mining.MineAsync(request, cancellationToken);
        LogMined(report.Reviews, request.MerchantId, report.Mined, report.FromCache, report.Provisional, report.Remined, miner.Version,
            report.Usage.Requests, report.Usage.InputTokens + report.Usage.OutputTokens, report.Usage.DroppedNeeds, report.Cost);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Mined {Reviews} reviews of {Merchant} ({Mined} new, {FromCache} from cache, {Provisional} provisional, {Remined} re-mined) with {MinerVersion}: {Requests} requests, {Tokens} tokens, {Dropped} needs dropped, cost {Cost}")]
    private partial void LogMined(int reviews, string merchant, int mined, int fromCache, int provisional, int remined, string minerVersion, int requests, long tokens, int dropped, decimal cost);
}
