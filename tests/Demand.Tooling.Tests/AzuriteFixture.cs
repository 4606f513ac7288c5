using Demand.Tooling.Local;

namespace Demand.Tooling.Tests;

/// <summary>One Azurite for the whole test assembly; each test owns its queue, container and blob names.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteServer? _server;

    public AzuriteServer Server => _server ?? throw new InvalidOperationException("Azurite is not started.");

    public async ValueTask InitializeAsync() => _server = await AzuriteServer.StartAsync(null, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
