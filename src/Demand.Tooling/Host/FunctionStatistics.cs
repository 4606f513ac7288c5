namespace Demand.Tooling.Host;

/// <summary>Invocation counts of one function since the host started.</summary>
public sealed class FunctionStatistics
{
    private long _invocations;
    private long _succeeded;
    private long _failed;

    public long Invocations => Interlocked.Read(ref _invocations);

    public long Succeeded => Interlocked.Read(ref _succeeded);

    public long Failed => Interlocked.Read(ref _failed);

    internal void Record(bool succeeded)
    {
        Interlocked.Increment(ref _invocations);
        Interlocked.Increment(ref succeeded ? ref _succeeded : ref _failed);
    }
}
