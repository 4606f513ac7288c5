namespace Demand.Tooling.Host;

/// <summary>A hosted function as the integrator sees it: name, trigger kind and, for HTTP, its route.</summary>
public sealed record FunctionInfo(string Name, TriggerKind Trigger, string? Route);
