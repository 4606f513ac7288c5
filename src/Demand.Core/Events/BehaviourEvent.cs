namespace Demand.Core.Events;

/// <summary>
/// One validated behaviour event. Parsers may use their own allocation-free representation on the hot
/// path; this is the shape shared by the API (real-time events), the generator and the aggregators.
/// </summary>
public sealed record BehaviourEvent
{
    public string? EventId { get; init; }
    public required string UserId { get; init; }
    public required EventType Type { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public string? ProductId { get; init; }
    public string? CategoryId { get; init; }
    public decimal? Price { get; init; }
    public int? Quantity { get; init; }
    public string? Query { get; init; }
    public int? Rating { get; init; }
    public string? Text { get; init; }
    public string? SessionId { get; init; }
}
