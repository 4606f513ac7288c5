using System.Text;

namespace Demand.EndToEnd.Tests;

/// <summary>The host's queue semantics around the app's queue functions (host.json: maxDequeueCount 5).</summary>
public sealed class QueueTests(DemandAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_score_request_that_always_fails_lands_in_the_poison_queue_byte_identical_after_five_attempts()
    {
        var message = "{\"merchantId\":\"broken-" + Guid.NewGuid().ToString("N")[..8] + "\",\"userIds\":\"not-a-list\"}";
        var queue = app.Queues.GetQueueClient("score-requests");
        await queue.CreateIfNotExistsAsync(cancellationToken: Ct);
        await queue.SendMessageAsync(message, Ct);

        var poison = app.Queues.GetQueueClient("score-requests-poison");
        string? found = null;
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (found is null && DateTime.UtcNow < deadline)
        {
            if ((await poison.ExistsAsync(Ct)).Value)
            {
                var peeked = await poison.PeekMessagesAsync(32, Ct);
                found = peeked.Value.Select(m => m.Body.ToString()).FirstOrDefault(b => b == message);
            }

            await Task.Delay(500, Ct);
        }

        found.ShouldBe(message);
        var attempts = app.Host.Outcomes.Where(o => o.FunctionName == "ScoreUsers" && !o.Succeeded && o.TriggerValues.Values.Any(v => v.Contains(message[..30], StringComparison.Ordinal))).ToList();
        attempts.Count.ShouldBe(5);
        Encoding.UTF8.GetByteCount(found!).ShouldBe(Encoding.UTF8.GetByteCount(message));
    }
}
