using System.Net;
using System.Text;
using Demand.Cli.Host;
using Demand.Testing;

namespace Demand.Cli.Tests.Host;

public sealed class LocalFunctionsHostTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_message_the_handler_keeps_failing_is_delivered_five_times_then_sits_intact_in_the_poison_queue()
    {
        await using var host = new LocalFunctionsHost(StandInHarness.Options(cosmos), StandInHarness.Logs);
        await host.StartAsync(Ct);
        const string malformed = "{\"merchantId\":\"m1\",\"note\":\"no userIds: ScoreUsers must reject this\"}";

        host.Enqueue("score-requests", malformed);
        await host.WaitForIdleAsync(TimeSpan.FromSeconds(60), Ct);

        host.Counters["ScoreUsers.failed"].ShouldBe(5);
        host.Counters.ContainsKey("ScoreUsers.succeeded").ShouldBeFalse();
        var poisoned = host.Queue("score-requests-poison").Peek().ShouldHaveSingleItem();
        poisoned.Content.ShouldBe(malformed);
        poisoned.DequeueCount.ShouldBe(5);
        host.Queue("score-requests").Count.ShouldBe(0);
    }

    [Fact]
    public async Task Messages_queued_or_in_flight_when_the_stand_in_dies_are_delivered_after_a_restart()
    {
        var storage = StandInHarness.NewStorage();
        var options = StandInHarness.Options(cosmos, storage);
        var valid = "{\"merchantId\":\"m1\",\"userIds\":[\"u1\"],\"cause\":\"ingest\",\"asOf\":\"2026-11-22T00:00:00Z\"}";

        // A previous stand-in queued ten messages and had leased three of them when it was killed.
        var previous = new DiskQueue(storage, "score-requests", owner: "killed-instance");
        for (var i = 0; i < 10; i++)
        {
            previous.Enqueue(valid);
        }

        previous.Lease(3, TimeSpan.FromHours(1)).Count.ShouldBe(3);

        await using var host = new LocalFunctionsHost(options, StandInHarness.Logs);
        await host.StartAsync(Ct);
        await host.WaitForIdleAsync(TimeSpan.FromSeconds(60), Ct);

        host.Counters["ScoreUsers.succeeded"].ShouldBe(10);
        host.Queue("score-requests").Count.ShouldBe(0);
        host.Queue("score-requests-poison").Count.ShouldBe(0);
    }

    [Fact]
    public async Task An_uploaded_log_triggers_IngestLog_once_and_not_again_after_a_restart()
    {
        var storage = StandInHarness.NewStorage();
        await using (var host = new LocalFunctionsHost(StandInHarness.Options(cosmos, storage), StandInHarness.Logs))
        {
            await host.StartAsync(Ct);
            await host.UploadBlobAsync("logs", "m1/2026-11-21/part-1.jsonl", Encoding.UTF8.GetBytes("{\"eventId\":\"e1\",\"userId\":\"u1\",\"type\":\"view\",\"timestamp\":\"2026-11-21T10:00:00Z\",\"productId\":\"p1\",\"categoryId\":\"c1\"}\n"), Ct);
            await host.WaitForIdleAsync(TimeSpan.FromSeconds(60), Ct);
            host.Counters["IngestLog.succeeded"].ShouldBe(1);
        }

        await using var restarted = new LocalFunctionsHost(StandInHarness.Options(cosmos, storage), StandInHarness.Logs);
        await restarted.StartAsync(Ct);
        await restarted.WaitForIdleAsync(TimeSpan.FromSeconds(30), Ct);
        restarted.Counters.ContainsKey("IngestLog.succeeded").ShouldBeFalse();
    }

    [Fact]
    public async Task The_public_port_proxies_api_requests_to_the_handler_and_fires_timers_on_command()
    {
        await using var host = new LocalFunctionsHost(StandInHarness.Options(cosmos), StandInHarness.Logs);
        await host.StartAsync(Ct);
        var port = Demand.Infrastructure.Cosmos.LocalCosmosServer.FreePort();
        await using var front = await HostFrontEnd.StartAsync(host, port, StandInHarness.Logs, Ct);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        var health = await http.GetAsync(new Uri("api/health", UriKind.Relative), Ct);
        health.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await health.Content.ReadAsStringAsync(Ct)).ShouldContain("ok");

        var trigger = await http.PostAsync(new Uri("admin/functions/NightlyRescore", UriKind.Relative), new StringContent("{}", Encoding.UTF8, "application/json"), Ct);
        trigger.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        host.Counters["NightlyRescore.succeeded"].ShouldBe(1);
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("m1/../../x")]
    [InlineData("/")]
    public void Blob_names_that_escape_the_storage_folder_are_refused(string name) =>
        Should.Throw<ArgumentException>(() => LocalFunctionsHost.SafeRelativePath(name));
}
