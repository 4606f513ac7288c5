using Microsoft.Extensions.Logging;

namespace Demand.Tooling.Host;

/// <summary>The local host's own log messages.</summary>
internal static partial class HostLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Starting worker {WorkerId}: {Executable} {Arguments}")]
    public static partial void StartingWorker(ILogger logger, string workerId, string executable, string arguments);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Worker {WorkerId} ready: {Count} functions, HTTP at {HttpUri}")]
    public static partial void WorkerReady(ILogger logger, string workerId, int count, Uri? httpUri);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Worker {WorkerId} exited unexpectedly with code {ExitCode}; failing {InFlight} in-flight invocations and restarting it")]
    public static partial void WorkerCrashed(ILogger logger, string workerId, int exitCode, int inFlight);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Function {Function} failed to load: {Reason}")]
    public static partial void LoadFailed(ILogger logger, string function, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Executed '{Function}' (Succeeded, Id={InvocationId}, Duration={DurationMs:F0}ms)")]
    public static partial void Succeeded(ILogger logger, string function, string invocationId, double durationMs);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Executed '{Function}' (Failed, Id={InvocationId}, Duration={DurationMs:F0}ms): {Error}")]
    public static partial void Failed(ILogger logger, string function, string invocationId, double durationMs, string error);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Message {MessageId} of queue {Queue} moved to {PoisonQueue} after {DequeueCount} dequeues")]
    public static partial void MovedToPoison(ILogger logger, string messageId, string queue, string poisonQueue, long dequeueCount);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Blob {Container}/{Blob} (ETag {ETag}) failed {Attempts} times in {Function}; recorded in {PoisonQueue}")]
    public static partial void BlobPoisoned(ILogger logger, string container, string blob, string etag, int attempts, string function, string poisonQueue);

    [LoggerMessage(EventId = 9, Level = LogLevel.Error, Message = "The {Listener} listener of {Function} failed; retrying")]
    public static partial void ListenerFailed(ILogger logger, Exception exception, string listener, string function);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Invocation {InvocationId} of {Function} exceeded functionTimeout {Timeout}; sent InvocationCancel")]
    public static partial void TimedOut(ILogger logger, string invocationId, string function, TimeSpan timeout);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "{Line}")]
    public static partial void WorkerOutput(ILogger logger, string line);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "{Line}")]
    public static partial void WorkerError(ILogger logger, string line);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Message {MessageId} of queue {Queue} is not valid base64 (host.json messageEncoding); moved to {PoisonQueue}")]
    public static partial void UndecodableMessage(ILogger logger, string messageId, string queue, string poisonQueue);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "Worker {WorkerId} did not exit within the grace period; killing it")]
    public static partial void KillingWorker(ILogger logger, string workerId);

    [LoggerMessage(EventId = 15, Level = LogLevel.Information, Message = "Timer {Function}: next occurrence {Next:O}")]
    public static partial void NextTimer(ILogger logger, string function, DateTimeOffset next);
}
