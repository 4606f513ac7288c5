using Demand.Core.Identifiers;

namespace Demand.Core.Messaging;

/// <summary>Asks for one merchant's training now, outside the weekly schedule (a <c>train-requests</c> message).</summary>
public interface ITrainingRequests
{
    /// <summary>Queues the request; training is idempotent, so a request sent twice costs a second run, nothing else.</summary>
    Task RequestAsync(MerchantId merchantId, CancellationToken cancellationToken);
}
