using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Demand.Tooling.Local;

namespace Demand.Tooling.Tests.Local;

public sealed class AzuriteServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Azurite_serves_blobs_and_queues_on_the_ports_in_its_connection_string_until_disposed()
    {
        var server = await AzuriteServer.StartAsync(null, Ct);
        var queue = new QueueClient(server.ConnectionString, "probe", new QueueClientOptions { Retry = { MaxRetries = 0 } });
        var container = new BlobContainerClient(server.ConnectionString, "probe");

        await queue.CreateAsync(cancellationToken: Ct);
        await queue.SendMessageAsync("hello", Ct);
        await container.CreateAsync(cancellationToken: Ct);
        await container.UploadBlobAsync("a.txt", BinaryData.FromString("blob"), Ct);

        (await queue.ReceiveMessageAsync(cancellationToken: Ct)).Value.MessageText.ShouldBe("hello");
        (await container.GetBlobClient("a.txt").DownloadContentAsync(Ct)).Value.Content.ToString().ShouldBe("blob");
        server.BlobServiceUri.Port.ShouldNotBe(10000);
        server.QueueServiceUri.Port.ShouldNotBe(server.BlobServiceUri.Port);

        await server.DisposeAsync();

        await Should.ThrowAsync<Exception>(() => queue.GetPropertiesAsync(Ct));
    }
}
