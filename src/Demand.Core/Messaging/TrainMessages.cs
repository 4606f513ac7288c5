namespace Demand.Core.Messaging;

/// <summary>The <c>train-requests</c> queue message: train and gate one merchant's rankers.</summary>
public sealed record TrainRequest
{
    public required string MerchantId { get; init; }
}
