using System.Net;
using System.Net.Security;
using Azure.Core;
using Azure.Identity;
using Demand.Core;
using Microsoft.Azure.Cosmos;

namespace Demand.Infrastructure.Cosmos;

/// <summary>Builds the one <see cref="CosmosClient"/> of a process.</summary>
public static class CosmosClientFactory
{
    public static CosmosClient Create(CosmosOptions options)
    {
        var endpoint = options.Endpoint ?? throw new InvalidOperationException("Cosmos:Endpoint is not set.");
        var clientOptions = new CosmosClientOptions
        {
            ConnectionMode = ConnectionMode.Gateway,
            Serializer = new SystemTextJsonCosmosSerializer(DemandJson.Options),
            AllowBulkExecution = options.AllowBulkExecution,
            ApplicationName = "demand",
        };

        if (options.IsLoopback)
        {
            // cosmosdb-server: one endpoint, self-signed certificate. Accept it for loopback hosts only.
            clientOptions.LimitToEndpoint = true;
            clientOptions.HttpClientFactory = () => new HttpClient(new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    RemoteCertificateValidationCallback = (_, _, _, errors) => errors == SslPolicyErrors.None || endpoint.IsLoopback,
                },
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxConnectionsPerServer = 64,
                AutomaticDecompression = DecompressionMethods.None,
            });
            return new CosmosClient(endpoint.ToString(), options.Key, clientOptions);
        }

        TokenCredential credential = string.IsNullOrEmpty(options.ManagedIdentityClientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(options.ManagedIdentityClientId));
        return new CosmosClient(endpoint.ToString(), credential, clientOptions);
    }
}
