namespace Demand.Tooling.Host;

/// <summary>What fires a function.</summary>
public enum TriggerKind
{
    Other,
    Http,
    Queue,
    Blob,
    Timer,
}
