using System.Collections.Concurrent;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Testing.Worker.Functions;

/// <summary>Queue triggers: return-value output, multi-output, retry with dequeue count, poison.</summary>
public sealed class QueueFunctions
{
    // Per-message attempt counts: the worker process outlives invocations, so a static map is the simplest state.
    private static readonly ConcurrentDictionary<string, int> Attempts = new();

    [Function("QueueToReturn")]
    [QueueOutput("return-out")]
    public static string QueueToReturn([QueueTrigger("return-in")] string message) => "echo:" + message;

    [Function("QueueToMany")]
    public static MultiQueueOutput QueueToMany([QueueTrigger("many-in")] string message) => new()
    {
        Parts = [message + ":1", message + ":2", message + ":3"],
        Summary = new Summary(message, 3),
    };

    /// <summary>Throws while the message text's number of failures has not been reached: "fail-2:x" fails twice.</summary>
    [Function("QueueFlaky")]
    [QueueOutput("flaky-out")]
    public static string QueueFlaky(
        [QueueTrigger("flaky-in")] string message, string id, long dequeueCount, FunctionContext context)
    {
        var failures = int.Parse(message.Split(':')[0]["fail-".Length..], System.Globalization.CultureInfo.InvariantCulture);
        var attempt = Attempts.AddOrUpdate(id, 1, (_, n) => n + 1);
        if (attempt <= failures)
        {
            throw new InvalidOperationException($"planned failure {attempt} of {failures}");
        }

        return $"{message}|dequeueCount={dequeueCount}|attempts={attempt}|trigger={context.BindingContext.BindingData["DequeueCount"]}";
    }

    [Function("QueueAlwaysFails")]
    public static void QueueAlwaysFails([QueueTrigger("doomed-in")] string message) =>
        throw new InvalidOperationException("this function always fails: " + message.Length);

    [Function("QueueNoop")]
    public static void QueueNoop([QueueTrigger("noop-in")] string message)
    {
    }

    [Function("QueueSlow")]
    [QueueOutput("slow-out")]
    public static async Task<string> QueueSlow([QueueTrigger("slow-in")] string message, long dequeueCount, CancellationToken cancellationToken)
    {
        // The first attempt sleeps past host.json's functionTimeout (or until the worker is killed); the retry is quick.
        if (dequeueCount == 1)
        {
            await Task.Delay(TimeSpan.FromSeconds(60), cancellationToken);
        }

        return $"{message}|dequeueCount={dequeueCount}";
    }
}

/// <summary>Two queue outputs from one invocation: an array (one message per element) and a JSON object.</summary>
public sealed class MultiQueueOutput
{
    [QueueOutput("many-parts")]
    public required string[] Parts { get; init; }

    [QueueOutput("many-summary")]
    public required Summary Summary { get; init; }
}

/// <summary>A JSON queue message.</summary>
public sealed record Summary(string Message, int Count);
