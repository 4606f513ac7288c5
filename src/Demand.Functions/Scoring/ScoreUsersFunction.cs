using Demand.Core.Identifiers;
using System.Text.Json;
using Demand.Core;
using Demand.Core.Messaging;
using Demand.Core.Storage;
using Demand.Infrastructure.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Demand.Functions.Scoring;

/// <summary>Queue trigger on <c>score-requests</c>: candidates → pair features → ONNX → profile categories.</summary>
public sealed partial class ScoreUsersFunction(IProfileScorer scorer, ILogger<ScoreUsersFunction> logger)
{
    [Function(FunctionNames.ScoreUsers)]
    public async Task Run([QueueTrigger(FunctionNames.ScoreQueue, Connection = LogsStorage.ConnectionName)] string message, CancellationToken cancellationToken)
    {
        var request = JsonSerializer.Deserialize<ScoreRequest>(message, DemandJson.Options) ?? throw new InvalidDataException("The score request is empty.");
        if (request.UserIds.Count > ScoreRequest.MaxUsers)
        {
            throw new InvalidDataException($"A score request holds at most {ScoreRequest.MaxUsers} users.");
        }

        if (!MerchantId.TryParse(request.MerchantId, out var merchantId, out var reason))
        {
            throw new InvalidDataException($"The score request's merchant id is invalid: {reason}.");
        }

        // Documents stored before ids were validated may name shoppers no request can address: skip them, never the batch.
        var userIds = request.UserIds.Select(u => UserId.TryParse(u, out var id) ? id : (UserId?)null).OfType<UserId>().ToList();
        var result = await scorer.ScoreAsync(merchantId, userIds, request.AsOf, cancellationToken);
        LogScored(result.Scored, request.MerchantId, result.ModelVersion, result.Missing + request.UserIds.Count - userIds.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scored {Scored} users of {Merchant} with {ModelVersion} ({Missing} without features)")]
    private partial void LogScored(int scored, string merchant, string modelVersion, int missing);
}
