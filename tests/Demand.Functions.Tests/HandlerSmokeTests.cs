using System.Net;
using System.Text;
using Demand.Functions.Tests.Infrastructure;
using Demand.Hosting.Envelope;
using Demand.Testing;

namespace Demand.Functions.Tests;

public sealed class HandlerSmokeTests(CosmosServerFixture cosmos)
{
    [Fact]
    public async Task Readiness_probe_answers_on_the_root_path()
    {
        await using var factory = new HandlerFactory(cosmos.NewDatabaseOptions());
        using var client = factory.CreateHttpClient();

        var response = await client.GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_blob_invocation_shaped_like_the_host_sends_it_is_decoded_and_answered_with_an_envelope()
    {
        await using var factory = new HandlerFactory(cosmos.NewDatabaseOptions());
        using var client = factory.CreateHttpClient();
        var body = HostPayloads.BlobTrigger("IngestLog", "log", Encoding.UTF8.GetBytes("a\nb\nc\n"), new BlobInfo(
            new Uri("https://acct.blob.core.windows.net/logs/m1/part-1.jsonl"),
            new Dictionary<string, string> { ["merchantId"] = "m1", ["name"] = "part-1.jsonl" },
            "application/octet-stream", DateTimeOffset.UtcNow, "0x1"));

        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        var response = await client.PostAsync(new Uri("/IngestLog", UriKind.Relative), content, TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        var parsed = HostOutputs.Parse(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        parsed.Logs.ShouldNotBeEmpty();
    }
}
