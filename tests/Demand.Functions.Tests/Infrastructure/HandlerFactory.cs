using Demand.Infrastructure.Cosmos;
using Demand.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Tests.Infrastructure;

/// <summary>
/// The handler on real Kestrel (loopback, ephemeral port) with its own Cosmos database: tests call it over
/// real HTTP with host-shaped payloads (<see cref="Demand.Hosting.Envelope.HostPayloads"/>).
/// </summary>
public sealed class HandlerFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _configureServices;

    public HandlerFactory(CosmosOptions cosmos, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null)
    {
        Cosmos = cosmos;
        _settings = HandlerSettings.ForCosmos(cosmos);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        _configureServices = configureServices;
        UseKestrel(0);
    }

    public CosmosOptions Cosmos { get; }

    /// <summary>An HttpClient over real HTTP to the Kestrel server.</summary>
    public HttpClient CreateHttpClient()
    {
        StartServer();
        return CreateClient();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_configureServices is not null)
        {
            builder.ConfigureServices(_configureServices);
        }
    }
}
