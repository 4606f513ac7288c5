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
    public CosmosOptions NewDatabaseOptions()
    {
        while (true)
        {
            var options = Server.Options("t" + Guid.NewGuid().ToString("N")[..12]);
            // cosmosdb-server numbers databases with a counter and every 64th one gets a resource id with a '/' in it
            // (base64 of 80 00 3F 00 is "gAA/AA=="). Its router cannot match the SDK's resource-id routes for such a
            // database, so every query there fails with a 404 "stale cache" while point reads work: a test that drew
            // that database failed for no fault of its own. Such databases are created here and left unused.
            using var client = CosmosClientFactory.Create(options);
            var created = client.CreateDatabaseIfNotExistsAsync(options.DatabaseName).GetAwaiter().GetResult();
            var resourceId = created.Resource.SelfLink.Trim('/');
            if (!resourceId[(resourceId.IndexOf('/', StringComparison.Ordinal) + 1)..].Contains('/', StringComparison.Ordinal))
            {
                return options;
            }
        }
    }

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
