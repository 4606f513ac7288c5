using Demand.Core.Identifiers;
using System.CommandLine;
using Demand.Core.Merchants;
using Demand.Infrastructure.Cosmos;
using Microsoft.Extensions.Configuration;

namespace Demand.Cli.Commands;

/// <summary><c>demand merchants add|revoke</c>: API keys, printed once and stored only as hashes.</summary>
internal static class MerchantsCommand
{
    public static Command Create()
    {
        var settings = new Option<string?>("--settings") { Description = "local.settings.json with Cosmos__* values (else environment variables).", DefaultValueFactory = _ => "local.settings.json" };

        // The deployed account has local (key) auth off: an operator reaches it with their Entra identity (az login),
        // which the Bicep grants Cosmos Built-in Data Contributor (operatorPrincipalId, by default the deployer).
        var endpoint = new Option<Uri?>("--cosmos-endpoint") { Description = "A deployed Cosmos DB account (https://<account>.documents.azure.com:443/), reached with DefaultAzureCredential (az login); overrides --settings." };
        var database = new Option<string>("--database") { Description = "Database name with --cosmos-endpoint.", DefaultValueFactory = _ => "demand" };
        // Parsed by the one rule before anything connects: an id that could never authenticate or receive uploads is refused with the reason.
        var merchant = new Argument<MerchantId>("merchantId") { Description = MerchantIdParser.Description, CustomParser = MerchantIdParser.Parse };
        var dashboard = new Option<bool>("--dashboard") { Description = "A dashboard key (dd.…): it signs in to the dashboard and nothing else; storefront keys (dk.…) cannot sign in." };
        var add = new Command("add", "Create a merchant (if new) and a new API key; the key is printed once.") { merchant, dashboard, settings, endpoint, database };
        add.SetAction(async (parse, ct) =>
        {
            using var client = Connect(parse.GetValue(settings), parse.GetValue(endpoint), parse.GetValue(database)!, out var cosmos);
            var scope = parse.GetValue(dashboard) ? KeyScope.Dashboard : KeyScope.Storefront;
            var key = await new CosmosMerchantStore(cosmos, TimeProvider.System).AddKeyAsync(parse.GetValue(merchant), scope, ct);
            Console.WriteLine(key);
            return 0;
        });

        var keyId = new Argument<string>("keyId");
        var revoke = new Command("revoke", "Revoke one API key of a merchant (key rotation: add a new key, switch, revoke the old).") { merchant, keyId, settings, endpoint, database };
        revoke.SetAction(async (parse, ct) =>
        {
            using var client = Connect(parse.GetValue(settings), parse.GetValue(endpoint), parse.GetValue(database)!, out var cosmos);
            var revoked = await new CosmosMerchantStore(cosmos, TimeProvider.System).RevokeKeyAsync(parse.GetValue(merchant), parse.GetValue(keyId)!, ct);
            Console.WriteLine(revoked ? "revoked" : "no such active key");
            return revoked ? 0 : 1;
        });

        return new Command("merchants", "Merchant API keys.") { add, revoke };
    }

    private static Microsoft.Azure.Cosmos.CosmosClient Connect(string? settingsFile, Uri? endpoint, string database, out DemandCosmos cosmos)
    {
        var options = endpoint is null ? FromSettings(settingsFile) : ForOperator(endpoint, database);
        var client = CosmosClientFactory.Create(options);
        cosmos = new DemandCosmos(client, options.DatabaseName);
        return client;
    }

    /// <summary>No key and no managed identity id: <see cref="CosmosClientFactory"/> then uses DefaultAzureCredential.</summary>
    internal static CosmosOptions ForOperator(Uri endpoint, string database) =>
        endpoint.IsLoopback
            ? throw new InvalidOperationException("--cosmos-endpoint is for a deployed account; a local emulator needs its key (--settings).")
            : new CosmosOptions { Endpoint = endpoint, DatabaseName = database };

    private static CosmosOptions FromSettings(string? settingsFile)
    {
        var values = CliPaths.LoadLocalSettings(settingsFile);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(kv => new KeyValuePair<string, string?>(kv.Key.Replace("__", ":", StringComparison.Ordinal), kv.Value)))
            .AddEnvironmentVariables()
            .Build();
        return configuration.GetSection(CosmosOptions.Section).Get<CosmosOptions>() ?? throw new InvalidOperationException("Cosmos settings are missing (Cosmos__Endpoint …).");
    }
}
