using System.CommandLine;
using Demand.Infrastructure.Cosmos;
using Microsoft.Extensions.Configuration;

namespace Demand.Cli.Commands;

/// <summary><c>demand merchants add|revoke</c>: API keys, printed once and stored only as hashes.</summary>
internal static class MerchantsCommand
{
    public static Command Create()
    {
        var settings = new Option<string?>("--settings") { Description = "local.settings.json with Cosmos__* values (else environment variables).", DefaultValueFactory = _ => "local.settings.json" };
        var merchant = new Argument<string>("merchantId");
        var add = new Command("add", "Create a merchant (if new) and a new API key; the key is printed once.") { merchant, settings };
        add.SetAction(async (parse, ct) =>
        {
            using var client = Connect(parse.GetValue(settings), out var cosmos);
            var key = await new CosmosMerchantStore(cosmos, TimeProvider.System).AddKeyAsync(parse.GetValue(merchant)!, ct);
            Console.WriteLine(key);
            return 0;
        });

        var keyId = new Argument<string>("keyId");
        var revoke = new Command("revoke", "Revoke one API key of a merchant (key rotation: add a new key, switch, revoke the old).") { merchant, keyId, settings };
        revoke.SetAction(async (parse, ct) =>
        {
            using var client = Connect(parse.GetValue(settings), out var cosmos);
            var revoked = await new CosmosMerchantStore(cosmos, TimeProvider.System).RevokeKeyAsync(parse.GetValue(merchant)!, parse.GetValue(keyId)!, ct);
            Console.WriteLine(revoked ? "revoked" : "no such active key");
            return revoked ? 0 : 1;
        });

        return new Command("merchants", "Merchant API keys.") { add, revoke };
    }

    private static Microsoft.Azure.Cosmos.CosmosClient Connect(string? settingsFile, out DemandCosmos cosmos)
    {
        var values = CliPaths.LoadLocalSettings(settingsFile);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(kv => new KeyValuePair<string, string?>(kv.Key.Replace("__", ":", StringComparison.Ordinal), kv.Value)))
            .AddEnvironmentVariables()
            .Build();
        var options = configuration.GetSection(CosmosOptions.Section).Get<CosmosOptions>() ?? throw new InvalidOperationException("Cosmos settings are missing (Cosmos__Endpoint …).");
        var client = CosmosClientFactory.Create(options);
        cosmos = new DemandCosmos(client, options.DatabaseName);
        return client;
    }
}
