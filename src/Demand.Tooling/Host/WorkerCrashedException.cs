namespace Demand.Tooling.Host;

/// <summary>The worker process ended or its stream closed while an invocation was in flight.</summary>
public sealed class WorkerCrashedException : Exception
{
    public WorkerCrashedException()
    {
    }

    public WorkerCrashedException(string message)
        : base(message)
    {
    }

    public WorkerCrashedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
