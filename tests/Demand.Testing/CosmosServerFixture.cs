using Demand.Tooling.Local;
using Demand.Tooling;
using Xunit;
using Demand.Infrastructure;
using Demand.Infrastructure.Cosmos;

namespace Demand.Testing;

/// <summary>
/// One cosmosdb-server per test assembly (register with <c>[assembly: AssemblyFixture(typeof(CosmosServerFixture))]</c>).
/// Each test gets its own database from <see cref="CreateDatabaseAsync"/>, so tests own their data.
/// </summary>
public sealed class CosmosServerFixture : IAsyncLifetime
{
    private LocalCosmosServer? _server;
    private readonly List<DemandCosmos> _databases = [];

    public LocalCosmosServer Server => _server ?? throw new InvalidOperationException("cosmosdb-server has not started.");

    public async ValueTask InitializeAsync() =>
        _server = await LocalCosmosServer.StartAsync(RepoPaths.NodeModules(), CancellationToken.None);

    /// <summary>Options for a fresh, uniquely named database (created by the app at start or by <see cref="CreateDatabaseAsync"/>).</summary>
    public CosmosOptions NewDatabaseOptions() => Server.Options("t" + Guid.NewGuid().ToString("N")[..12]);

    public async Task<DemandCosmos> CreateDatabaseAsync(CosmosOptions? options = null)
    {
        options ??= NewDatabaseOptions();
        var cosmos = new DemandCosmos(CosmosClientFactory.Create(options), options.DatabaseName);
        await cosmos.EnsureCreatedAsync(CancellationToken.None);
        lock (_databases)
        {
            _databases.Add(cosmos);
        }

        return cosmos;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var db in _databases)
        {
            db.Client.Dispose();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
