using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;

namespace Demand.Tooling.Tests.Host;

/// <summary>Event Grid blob triggers (deferred binding, path values, queue + blob outputs, receipts, poison) and timers.</summary>
public sealed class BlobAndTimerTriggerTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_new_blob_fires_the_function_with_its_path_values_and_writes_the_queue_and_blob_outputs()
    {
        var merchant = "m" + Guid.NewGuid().ToString("N");

        await UploadAsync($"{merchant}/part-1.jsonl", "hello");

        (await fixture.TakeAsync("blob-reports", merchant, 1)).ShouldBe([$"{merchant}|part-1.jsonl|5"]);
        // The host writes outputs one after another (queue, then blob) and records the outcome after the last one,
        // so the queue message alone does not mean the blob is there yet.
        var outcome = await fixture.Host.WaitForOutcomeAsync(o => o.FunctionName == "BlobIngest" && o.TriggerValues["merchantId"] == merchant, TimeSpan.FromSeconds(30), Ct);
        var rejected = fixture.Blobs.GetBlobContainerClient("quarantine").GetBlobClient($"{merchant}/part-1.jsonl.rejected.jsonl");
        (await rejected.DownloadContentAsync(Ct)).Value.Content.ToString().ShouldBe("rejected:HELLO");
        outcome.Succeeded.ShouldBeTrue();
        fixture.Host.Outcomes.Count(o => o.FunctionName == "BlobIngest" && o.TriggerValues["merchantId"] == merchant).ShouldBe(1);
        outcome.TriggerValues["name"].ShouldBe("part-1.jsonl");
        outcome.TriggerValues["BlobTrigger"].ShouldBe($"uploads/{merchant}/part-1.jsonl");
    }

    [Fact]
    public async Task A_finished_blob_gets_a_receipt_and_only_a_changed_blob_fires_again()
    {
        var merchant = "m" + Guid.NewGuid().ToString("N");

        await UploadAsync($"{merchant}/a.jsonl", "one");
        (await fixture.TakeAsync("blob-reports", merchant, 1)).ShouldBe([$"{merchant}|a.jsonl|3"]);
        await fixture.Host.WaitForIdleAsync(TimeSpan.FromSeconds(30), Ct);
        Invocations(merchant).ShouldBe(1);

        await UploadAsync($"{merchant}/a.jsonl", "three");

        (await fixture.TakeAsync("blob-reports", merchant, 1)).ShouldBe([$"{merchant}|a.jsonl|5"]);
        await fixture.Host.WaitForIdleAsync(TimeSpan.FromSeconds(30), Ct);
        Invocations(merchant).ShouldBe(2);
        var receipts = new List<string>();
        await foreach (var receipt in fixture.Blobs.GetBlobContainerClient("azure-webjobs-hosts").GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = "blobreceipts/" }, Ct))
        {
            if (receipt.Name.EndsWith($"/uploads/{merchant}/a.jsonl", StringComparison.Ordinal))
            {
                receipts.Add(receipt.Name);
            }
        }

        receipts.Count.ShouldBe(2);
        receipts.ShouldAllBe(r => r.StartsWith("blobreceipts/demand-local/Host.Functions.BlobIngest/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_blob_that_keeps_failing_is_tried_five_times_then_recorded_in_the_blob_trigger_poison_queue()
    {
        var merchant = "m" + Guid.NewGuid().ToString("N");

        await UploadAsync($"{merchant}/bad.jsonl", "please explode");

        var poison = (await fixture.TakeAsync("webjobs-blobtrigger-poison", merchant, 1)).Single();
        var message = JsonDocument.Parse(poison).RootElement;
        message.GetProperty("FunctionId").GetString().ShouldBe("Host.Functions.BlobIngest");
        message.GetProperty("ContainerName").GetString().ShouldBe("uploads");
        message.GetProperty("BlobName").GetString().ShouldBe($"{merchant}/bad.jsonl");
        await fixture.Host.WaitForIdleAsync(TimeSpan.FromSeconds(30), Ct);
        fixture.Host.Outcomes.Count(o => o.FunctionName == "BlobIngest" && o.TriggerValues["merchantId"] == merchant && !o.Succeeded).ShouldBe(5);
        (await fixture.TakeAsync("blob-reports", merchant, 1, TimeSpan.FromSeconds(1))).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_event_grid_webhook_answers_the_subscription_handshake_and_knows_only_blob_functions()
    {
        var validation = new[] { new { id = "1", eventType = "Microsoft.EventGrid.SubscriptionValidationEvent", data = new { validationCode = "code-123" } } };

        using var response = await fixture.Http.PostAsJsonAsync("runtime/webhooks/blobs?functionName=Host.Functions.BlobIngest", validation, Ct);
        using var unknown = await fixture.Http.PostAsJsonAsync("runtime/webhooks/blobs?functionName=Host.Functions.Nope", validation, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("validationResponse").GetString().ShouldBe("code-123");
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Triggering_a_timer_passes_a_timer_info_with_the_next_occurrence()
    {
        var outcome = await fixture.Host.TriggerAsync("NightlyTimer", Ct);

        outcome.Succeeded.ShouldBeTrue();
        var message = (await fixture.TakeAsync("timer-out", "fired", 1)).Single();
        message.ShouldStartWith("fired|pastDue=False|next=");
        var next = DateTimeOffset.Parse(message.Split("next=")[1], System.Globalization.CultureInfo.InvariantCulture);
        next.UtcDateTime.TimeOfDay.ShouldBe(TimeSpan.FromHours(3));
        (next - DateTimeOffset.UtcNow).ShouldBeLessThanOrEqualTo(TimeSpan.FromDays(1));
    }

    [Fact]
    public async Task The_admin_endpoint_fires_a_timer_and_rejects_unknown_or_http_functions()
    {
        var before = fixture.Host.Statistics.TryGetValue("NightlyTimer", out var s) ? s.Succeeded : 0;

        using var accepted = await fixture.Http.PostAsync("admin/functions/NightlyTimer", JsonContent.Create(new { }), Ct);
        using var unknown = await fixture.Http.PostAsync("admin/functions/NoSuchFunction", null, Ct);
        using var http = await fixture.Http.PostAsync("admin/functions/Ping", null, Ct);

        accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        http.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        await fixture.Host.WaitForOutcomeAsync(o => o.FunctionName == "NightlyTimer" && fixture.Host.Statistics["NightlyTimer"].Succeeded > before, TimeSpan.FromSeconds(30), Ct);
        (await fixture.TakeAsync("timer-out", "fired", 1)).Count.ShouldBe(1);
    }

    private int Invocations(string merchant) =>
        fixture.Host.Outcomes.Count(o => o.FunctionName == "BlobIngest" && o.TriggerValues["merchantId"] == merchant);

    private async Task UploadAsync(string name, string content)
    {
        var container = fixture.Blobs.GetBlobContainerClient("uploads");
        await container.CreateIfNotExistsAsync(cancellationToken: Ct);
        await container.GetBlobClient(name).UploadAsync(BinaryData.FromString(content), overwrite: true, Ct);
    }
}
