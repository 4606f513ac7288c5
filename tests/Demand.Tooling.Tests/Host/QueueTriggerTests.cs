using System.Text;
using System.Text.Json;

namespace Demand.Tooling.Tests.Host;

/// <summary>Queue triggers against Azurite with host.json's queue semantics; each test owns its message texts.</summary>
public sealed class QueueTriggerTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_queue_message_reaches_the_function_and_its_return_value_is_enqueued()
    {
        var marker = Guid.NewGuid().ToString();

        await fixture.EnqueueAsync("return-in", marker);

        (await fixture.TakeAsync("return-out", marker, 1)).ShouldBe(["echo:" + marker]);
    }

    [Fact]
    public async Task A_multi_output_return_type_writes_one_message_per_array_element_and_a_json_object()
    {
        var marker = Guid.NewGuid().ToString();

        await fixture.EnqueueAsync("many-in", marker);

        (await fixture.TakeAsync("many-parts", marker, 3)).Order(StringComparer.Ordinal).ShouldBe([marker + ":1", marker + ":2", marker + ":3"]);
        var summary = JsonDocument.Parse((await fixture.TakeAsync("many-summary", marker, 1)).Single()).RootElement;
        summary.GetProperty("Message").GetString().ShouldBe(marker);
        summary.GetProperty("Count").GetInt32().ShouldBe(3);
    }

    [Fact]
    public async Task A_failing_message_is_retried_after_the_visibility_timeout_and_the_function_sees_its_dequeue_count()
    {
        var marker = "fail-2:" + Guid.NewGuid();

        var receipt = await fixture.EnqueueAsync("flaky-in", marker);

        var result = (await fixture.TakeAsync("flaky-out", marker, 1)).Single();
        result.ShouldBe($"{marker}|dequeueCount=3|attempts=3|trigger=3");
        var outcomes = fixture.Host.Outcomes.Where(o => o.FunctionName == "QueueFlaky" && o.TriggerValues["Id"] == receipt.MessageId).ToList();
        outcomes.Select(o => o.Succeeded).ShouldBe([false, false, true]);
        outcomes.Select(o => o.TriggerValues["DequeueCount"]).ShouldBe(["1", "2", "3"]);
        outcomes[0].Error!.ShouldContain("planned failure 1 of 2");
    }

    [Fact]
    public async Task A_message_that_always_fails_moves_byte_identical_to_the_poison_queue_after_five_attempts()
    {
        // Not valid UTF-8 once decoded: the poison copy must be the stored text, not a re-encoding of the string.
        var bytes = new byte[64];
        new Random(7).NextBytes(bytes);
        bytes[0] = 0xFF;
        var raw = Convert.ToBase64String(bytes);
        var queue = fixture.Queues.GetQueueClient("doomed-in");
        await queue.CreateIfNotExistsAsync(cancellationToken: Ct);

        var sent = (await queue.SendMessageAsync(raw, Ct)).Value;

        await WaitUntilAsync(async () => (await fixture.PeekRawAsync("doomed-in-poison")).Contains(raw));
        var failures = fixture.Host.Outcomes.Where(o => o.FunctionName == "QueueAlwaysFails" && o.TriggerValues["Id"] == sent.MessageId).ToList();
        failures.Count.ShouldBe(5);
        failures.ShouldAllBe(o => !o.Succeeded);
        (await fixture.PeekRawAsync("doomed-in")).ShouldNotContain(raw);
    }

    [Fact]
    public async Task A_message_that_is_not_base64_goes_to_the_poison_queue_unchanged_without_an_invocation()
    {
        var raw = "not base64 at all! " + Guid.NewGuid();
        var queue = fixture.Queues.GetQueueClient("doomed-in");
        await queue.CreateIfNotExistsAsync(cancellationToken: Ct);

        var sent = (await queue.SendMessageAsync(raw, Ct)).Value;

        await WaitUntilAsync(async () => (await fixture.PeekRawAsync("doomed-in-poison")).Contains(raw));
        fixture.Host.Outcomes.ShouldNotContain(o => o.TriggerValues.ContainsKey("Id") && o.TriggerValues["Id"] == sent.MessageId);
    }

    [Fact]
    public async Task An_invocation_past_function_timeout_is_cancelled_and_its_message_retried()
    {
        var marker = Guid.NewGuid().ToString();

        var receipt = await fixture.EnqueueAsync("slow-in", marker);

        (await fixture.TakeAsync("slow-out", marker, 1, TimeSpan.FromSeconds(40))).ShouldBe([marker + "|dequeueCount=2"]);
        var first = fixture.Host.Outcomes.First(o => o.FunctionName == "QueueSlow" && o.TriggerValues["Id"] == receipt.MessageId);
        first.Succeeded.ShouldBeFalse();
        first.Error!.ShouldContain("Timeout value of 00:00:06 exceeded");
        first.Duration.ShouldBeLessThan(TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Wait_for_idle_returns_once_a_burst_of_messages_is_processed_and_deleted()
    {
        var before = fixture.Host.Statistics.TryGetValue("QueueNoop", out var s) ? s.Succeeded : 0;
        for (var i = 0; i < 40; i++)
        {
            await fixture.EnqueueAsync("noop-in", "noop " + i);
        }

        await fixture.Host.WaitForIdleAsync(TimeSpan.FromSeconds(60), Ct);

        fixture.Host.Statistics["QueueNoop"].Succeeded.ShouldBe(before + 40);
        (await fixture.Queues.GetQueueClient("noop-in").GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount.ShouldBe(0);
    }

    [Fact]
    public async Task Wait_for_idle_waits_through_retries_of_a_message_that_is_invisible_between_attempts()
    {
        var marker = "fail-1:" + Guid.NewGuid();

        var receipt = await fixture.EnqueueAsync("flaky-in", marker);
        await fixture.Host.WaitForIdleAsync(TimeSpan.FromSeconds(60), Ct);

        fixture.Host.Outcomes.Where(o => o.FunctionName == "QueueFlaky" && o.TriggerValues["Id"] == receipt.MessageId)
            .Select(o => o.Succeeded).ShouldBe([false, true]);
        (await fixture.TakeAsync("flaky-out", marker, 1)).Single().ShouldStartWith(marker + "|dequeueCount=2");
    }

    [Fact]
    public async Task The_admin_trigger_invokes_a_queue_function_with_the_given_input()
    {
        var marker = Guid.NewGuid().ToString();

        var outcome = await fixture.Host.TriggerAsync("QueueToReturn", marker, Ct);

        outcome.Succeeded.ShouldBeTrue();
        (await fixture.TakeAsync("return-out", marker, 1)).ShouldBe(["echo:" + marker]);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not become true within 30 s.");
            }

            await Task.Delay(100, Ct);
        }
    }
}
