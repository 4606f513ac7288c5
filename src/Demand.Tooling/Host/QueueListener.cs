using System.Globalization;
using System.Text;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Demand.Tooling.Host.Rpc;
using Microsoft.Extensions.Logging;

namespace Demand.Tooling.Host;

/// <summary>
/// A queueTrigger's listener with host.json's queue semantics: batches of batchSize, a new batch when no more
/// than newBatchThreshold are in flight, exponential back-off to maxPollingInterval when empty; on success the
/// message is deleted, on failure it becomes visible again after visibilityTimeout, and after maxDequeueCount
/// failures it is copied byte-identical to <c>&lt;queue&gt;-poison</c> and deleted.
/// </summary>
internal sealed class QueueListener
{
    // While a message is processed it stays invisible this long (the Azure host renews a 10-minute lease).
    private static readonly TimeSpan ProcessingVisibility = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MinimumPollingInterval = TimeSpan.FromMilliseconds(100);

    private readonly LocalFunctionsHost _host;
    private readonly HostedFunction _function;
    private readonly ILogger _logger;
    private readonly QueueClient _queue;
    private readonly QueueClient _poison;
    private readonly SemaphoreSlim _slots;
    private int _inFlight;

    public QueueListener(LocalFunctionsHost host, HostedFunction function)
    {
        _host = host;
        _function = function;
        _logger = host.LoggerFactory.CreateLogger("Demand.Tooling.Host.Queues");
        QueueName = BindingPattern.ResolveSettings(function.TriggerBinding.Text("queueName") ?? throw new InvalidDataException($"{function.Name} has no queueName."), host.Settings).ToLowerInvariant();
        _queue = host.Storage.Queue(function.TriggerBinding.Connection, QueueName);
        _poison = host.Storage.Queue(function.TriggerBinding.Connection, QueueName + "-poison");
        _slots = new SemaphoreSlim(0);
    }

    public string QueueName { get; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var settings = _host.HostJson;
        var delay = MinimumPollingInterval;
        var running = new List<Task>();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                while (!cancellationToken.IsCancellationRequested)
                {
                    // Wait for the in-flight count to fall to newBatchThreshold before fetching the next batch.
                    while (Volatile.Read(ref _inFlight) > settings.QueueNewBatchThreshold)
                    {
                        await _slots.WaitAsync(cancellationToken);
                    }

                    var batch = (await _queue.ReceiveMessagesAsync(Math.Clamp(settings.QueueBatchSize, 1, 32), ProcessingVisibility, cancellationToken)).Value;
                    if (batch.Length == 0)
                    {
                        running.RemoveAll(t => t.IsCompleted);
                        await Task.Delay(delay, cancellationToken);
                        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Math.Max(settings.QueueMaxPollingInterval.Ticks, MinimumPollingInterval.Ticks)));
                        continue;
                    }

                    delay = MinimumPollingInterval;
                    running.RemoveAll(t => t.IsCompleted);
                    foreach (var message in batch)
                    {
                        Interlocked.Increment(ref _inFlight);
                        running.Add(Task.Run(() => ProcessAsync(message, cancellationToken), CancellationToken.None));
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception)
            {
                HostLog.ListenerFailed(_logger, exception, "queue", _function.Name);
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            }
        }

        await Task.WhenAll(running);
    }

    /// <summary>Empty means no message at all, visible or not (ApproximateMessagesCount counts invisible ones).</summary>
    public async Task<bool> IsEmptyAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _inFlight) > 0)
        {
            return false;
        }

        try
        {
            var properties = await _queue.GetPropertiesAsync(cancellationToken);
            return properties.Value.ApproximateMessagesCount == 0;
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            return true;
        }
    }

    /// <summary>The admin API's direct invocation of a queue function with an input message (no queue involved).</summary>
    public static Task<InvocationOutcome> InvokeWithInputAsync(LocalFunctionsHost host, HostedFunction function, string input, CancellationToken cancellationToken)
    {
        var request = new InvocationRequest();
        request.InputData.Add(new ParameterBinding { Name = function.TriggerBinding.Name, Data = TriggerData(function, Encoding.UTF8.GetBytes(input)) });
        request.TriggerMetadata["QueueTrigger"] = RpcValues.String(input);
        return host.InvokeAsync(function, request, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["QueueTrigger"] = input }, cancellationToken);
    }

    private async Task ProcessAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        try
        {
            var settings = _host.HostJson;
            // A message already past maxDequeueCount (e.g. a worker crash ate its last attempt) goes straight to poison.
            if (message.DequeueCount > settings.QueueMaxDequeueCount)
            {
                await MoveToPoisonAsync(message, cancellationToken);
                return;
            }

            byte[] content;
            try
            {
                content = settings.QueueMessagesAreBase64 ? Convert.FromBase64String(message.MessageText) : Encoding.UTF8.GetBytes(message.MessageText);
            }
            catch (FormatException)
            {
                HostLog.UndecodableMessage(_logger, message.MessageId, QueueName, _poison.Name);
                await MoveToPoisonAsync(message, cancellationToken, log: false);
                return;
            }

            var text = Encoding.UTF8.GetString(content);
            var request = new InvocationRequest();
            request.InputData.Add(new ParameterBinding { Name = _function.TriggerBinding.Name, Data = TriggerData(_function, content) });
            // The Azure host's queue binding data: the message text, its id, dequeue count, times and pop receipt.
            request.TriggerMetadata["QueueTrigger"] = RpcValues.String(text);
            request.TriggerMetadata["DequeueCount"] = RpcValues.Number(message.DequeueCount);
            request.TriggerMetadata["Id"] = RpcValues.String(message.MessageId);
            request.TriggerMetadata["PopReceipt"] = RpcValues.String(message.PopReceipt);
            request.TriggerMetadata["InsertionTime"] = RpcValues.Date(message.InsertedOn);
            request.TriggerMetadata["ExpirationTime"] = RpcValues.Date(message.ExpiresOn);
            request.TriggerMetadata["NextVisibleTime"] = RpcValues.Date(message.NextVisibleOn);
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["QueueTrigger"] = text,
                ["Id"] = message.MessageId,
                ["DequeueCount"] = message.DequeueCount.ToString(CultureInfo.InvariantCulture),
            };
            var outcome = await _host.InvokeAsync(_function, request, values, cancellationToken);
            if (outcome.Succeeded)
            {
                await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
            }
            else if (message.DequeueCount >= settings.QueueMaxDequeueCount)
            {
                await MoveToPoisonAsync(message, CancellationToken.None);
            }
            else
            {
                await _queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: settings.QueueVisibilityTimeout, cancellationToken: CancellationToken.None);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The message reappears after its processing visibility and is retried.
            HostLog.ListenerFailed(_logger, exception, "queue message", _function.Name);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            _slots.Release();
        }
    }

    private async Task MoveToPoisonAsync(QueueMessage message, CancellationToken cancellationToken, bool log = true)
    {
        // The message text as stored (still encoded), so the poison copy is byte-identical to the original.
        await _poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await _poison.SendMessageAsync(message.MessageText, cancellationToken);
        await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
        if (log)
        {
            HostLog.MovedToPoison(_logger, message.MessageId, QueueName, _poison.Name, message.DequeueCount);
        }
    }

    // The trigger value: bytes for a Binary binding (byte[] parameters), the message text otherwise.
    private static TypedData TriggerData(HostedFunction function, byte[] content) =>
        string.Equals(function.TriggerBinding.Text("dataType"), "Binary", StringComparison.OrdinalIgnoreCase)
            ? new TypedData { Bytes = Google.Protobuf.ByteString.CopyFrom(content) }
            : RpcValues.String(Encoding.UTF8.GetString(content));
}
