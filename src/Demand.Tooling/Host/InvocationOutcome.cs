namespace Demand.Tooling.Host;

/// <summary>One finished invocation: what ran, why, and whether it (and its outputs) succeeded.</summary>
public sealed record InvocationOutcome
{
    public required string FunctionName { get; init; }

    public required string InvocationId { get; init; }

    public required bool Succeeded { get; init; }

    /// <summary>The worker's exception message, a timeout or a crash; null on success.</summary>
    public string? Error { get; init; }

    public required TimeSpan Duration { get; init; }

    /// <summary>The trigger's values (queue message id and dequeue count, blob name and path values, route values…).</summary>
    public required IReadOnlyDictionary<string, string> TriggerValues { get; init; }
}
