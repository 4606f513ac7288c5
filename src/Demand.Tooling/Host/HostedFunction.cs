namespace Demand.Tooling.Host;

/// <summary>A function the worker reported and loaded: its id, trigger and output bindings.</summary>
public sealed record HostedFunction
{
    public required string Name { get; init; }

    public required string FunctionId { get; init; }

    public required TriggerKind Trigger { get; init; }

    public required FunctionBinding TriggerBinding { get; init; }

    public required IReadOnlyList<FunctionBinding> Outputs { get; init; }

    /// <summary>The real host's full function name, used in blob receipts and the Event Grid webhook.</summary>
    public string FullName => "Host.Functions." + Name;

    internal static HostedFunction Create(string name, string functionId, IEnumerable<string> rawBindings)
    {
        var bindings = rawBindings.Select(FunctionBinding.Parse).ToList();
        var trigger = bindings.FirstOrDefault(b => b.Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidDataException($"Function {name} has no trigger binding.");
        return new HostedFunction
        {
            Name = name,
            FunctionId = functionId,
            TriggerBinding = trigger,
            Trigger = trigger.Type.ToUpperInvariant() switch
            {
                "HTTPTRIGGER" => TriggerKind.Http,
                "QUEUETRIGGER" => TriggerKind.Queue,
                "BLOBTRIGGER" => TriggerKind.Blob,
                "TIMERTRIGGER" => TriggerKind.Timer,
                _ => TriggerKind.Other,
            },
            Outputs = [.. bindings.Where(b => b.IsOutput)],
        };
    }
}
