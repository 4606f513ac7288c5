using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace Demand.Tooling.Tests;

/// <summary>Test-side access to the Azurite queues and blobs the worker's functions use.</summary>
public sealed class TestQueues(AzuriteFixture azurite) : IAsyncDisposable
{
    public QueueServiceClient Queues { get; } = new(azurite.Server.ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });

    public BlobServiceClient Blobs { get; } = new(azurite.Server.ConnectionString);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Sends a message the way the Queues extension v5 does by default (base64 of the UTF-8 text).</summary>
    public async Task<SendReceipt> EnqueueAsync(string queue, string text)
    {
        var client = Queues.GetQueueClient(queue);
        await client.CreateIfNotExistsAsync();
        return (await client.SendMessageAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)))).Value;
    }

    /// <summary>
    /// Takes (deletes) up to <paramref name="count"/> base64 messages whose text contains <paramref name="marker"/>,
    /// waiting up to 30 s; other tests' messages are left, visible again after a second.
    /// </summary>
    public async Task<List<string>> TakeAsync(string queue, string marker, int count, TimeSpan? timeout = null)
    {
        var client = Queues.GetQueueClient(queue);
        var messages = new List<string>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (messages.Count < count && DateTime.UtcNow < deadline)
        {
            if ((await client.ExistsAsync()).Value)
            {
                foreach (var message in (await client.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(1))).Value)
                {
                    var text = Encoding.UTF8.GetString(Convert.FromBase64String(message.MessageText));
                    if (text.Contains(marker, StringComparison.Ordinal))
                    {
                        messages.Add(text);
                        await client.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                    }
                }
            }

            if (messages.Count < count)
            {
                await Task.Delay(100);
            }
        }

        return messages;
    }

    /// <summary>The raw (still encoded) texts of the messages a queue holds now, without taking them.</summary>
    public async Task<List<string>> PeekRawAsync(string queue)
    {
        var client = Queues.GetQueueClient(queue);
        if (!(await client.ExistsAsync()).Value)
        {
            return [];
        }

        return [.. (await client.PeekMessagesAsync(32)).Value.Select(m => m.MessageText)];
    }
}
