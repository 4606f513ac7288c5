using System.Diagnostics;
using System.Net.Http.Json;
using Demand.Tooling.Host;

namespace Demand.Tooling.Tests.Host;

/// <summary>Worker crashes, restarts of the host and shutdown: each test starts its own hosts.</summary>
public sealed class HostLifecycleTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_crashed_worker_is_restarted_and_its_in_flight_invocation_fails_so_the_message_is_retried()
    {
        await using var host = await HostFixture.StartHostAsync(azurite, Ct);
        await using var fixture = new TestQueues(azurite);
        var marker = Guid.NewGuid().ToString();
        var receipt = await fixture.EnqueueAsync("slow-in", marker);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (host.InFlight == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, Ct);
        }

        var crashed = host.WorkerProcessId!.Value;
        using (var worker = Process.GetProcessById(crashed))
        {
            worker.Kill(entireProcessTree: true);
        }

        (await fixture.TakeAsync("slow-out", marker, 1, TimeSpan.FromSeconds(60))).ShouldBe([marker + "|dequeueCount=2"]);
        var first = host.Outcomes.First(o => o.FunctionName == "QueueSlow" && o.TriggerValues["Id"] == receipt.MessageId);
        first.Succeeded.ShouldBeFalse();
        first.Error!.ShouldContain("Worker");
        host.WorkerProcessId.ShouldNotBeNull();
        host.WorkerProcessId.ShouldNotBe(crashed);
    }

    [Fact]
    public async Task A_new_host_does_not_refire_receipted_blobs_but_processes_messages_left_in_the_queue()
    {
        await using var fixture = new TestQueues(azurite);
        var merchant = "m" + Guid.NewGuid().ToString("N");
        var uploads = fixture.Blobs.GetBlobContainerClient("uploads");
        await uploads.CreateIfNotExistsAsync(cancellationToken: Ct);
        await using (var first = await HostFixture.StartHostAsync(azurite, Ct))
        {
            await uploads.GetBlobClient($"{merchant}/done.jsonl").UploadAsync(BinaryData.FromString("done"), Ct);
            (await fixture.TakeAsync("blob-reports", merchant, 1)).ShouldBe([$"{merchant}|done.jsonl|4"]);
            await first.WaitForIdleAsync(TimeSpan.FromSeconds(30), Ct);
        }

        // Left while no host runs: Azurite keeps it.
        var marker = Guid.NewGuid().ToString();
        await fixture.EnqueueAsync("return-in", marker);
        await uploads.GetBlobClient($"{merchant}/new.jsonl").UploadAsync(BinaryData.FromString("new!!"), Ct);

        await using var second = await HostFixture.StartHostAsync(azurite, Ct);

        (await fixture.TakeAsync("return-out", marker, 1)).ShouldBe(["echo:" + marker]);
        (await fixture.TakeAsync("blob-reports", merchant, 1)).ShouldBe([$"{merchant}|new.jsonl|5"]);
        await second.WaitForIdleAsync(TimeSpan.FromSeconds(30), Ct);
        second.Outcomes.Where(o => o.FunctionName == "BlobIngest" && o.TriggerValues["merchantId"] == merchant)
            .Select(o => o.TriggerValues["name"]).ShouldBe(["new.jsonl"]);
    }

    [Fact]
    public async Task A_posted_event_grid_blob_created_event_fires_the_blob_function_without_waiting_for_a_poll()
    {
        await using var host = await HostFixture.StartHostAsync(azurite, Ct, blobPolling: TimeSpan.FromHours(1));
        await using var storage = new TestQueues(azurite);
        using var http = new HttpClient { BaseAddress = host.HttpBaseAddress };
        var merchant = "m" + Guid.NewGuid().ToString("N");
        var uploads = storage.Blobs.GetBlobContainerClient("uploads");
        await uploads.CreateIfNotExistsAsync(cancellationToken: Ct);
        var blob = uploads.GetBlobClient($"{merchant}/pushed.jsonl");
        await blob.UploadAsync(BinaryData.FromString("pushed"), Ct);
        var created = new[]
        {
            new { id = Guid.NewGuid().ToString(), eventType = "Microsoft.Storage.BlobCreated", subject = $"/blobServices/default/containers/uploads/blobs/{merchant}/pushed.jsonl", data = new { url = blob.Uri.ToString() } },
        };

        using var response = await http.PostAsJsonAsync("runtime/webhooks/blobs?functionName=Host.Functions.BlobIngest", created, Ct);

        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Accepted);
        (await storage.TakeAsync("blob-reports", merchant, 1, TimeSpan.FromSeconds(15))).ShouldBe([$"{merchant}|pushed.jsonl|6"]);
    }

    [Fact]
    public async Task Disposing_the_host_ends_the_worker_process()
    {
        var host = await HostFixture.StartHostAsync(azurite, Ct);
        using var worker = Process.GetProcessById(host.WorkerProcessId!.Value);

        await host.DisposeAsync();

        worker.WaitForExit(TimeSpan.FromSeconds(10)).ShouldBeTrue();
    }
}
