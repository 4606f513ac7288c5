using System.CommandLine;
using Demand.Tooling.Host;
using Demand.Tooling.Local;
using Microsoft.Extensions.Logging;

namespace Demand.Cli.Commands;

/// <summary>
/// <c>demand host</c>: the local Functions host for the isolated-worker app (what <c>func start</c> does), until
/// Ctrl-C. Storage is Azurite, started here unless local.settings.json (or --storage) names a connection.
/// </summary>
internal static class HostCommand
{
    public static Command Create()
    {
        var appRoot = new Option<string>("--app-root") { Description = "The worker's build output (host.json, worker.config.json, the app).", DefaultValueFactory = _ => CliPaths.DefaultAppRoot() };
        var settings = new Option<string?>("--settings") { Description = "local.settings.json whose Values become the worker's environment and binding connections.", DefaultValueFactory = _ => "local.settings.json" };
        var storage = new Option<string?>("--storage") { Description = "AzureWebJobsStorage connection string (default: the settings' value, else a fresh in-memory Azurite)." };
        var port = new Option<int>("--port") { Description = "Public HTTP port (0 = a free one).", DefaultValueFactory = _ => 7071 };
        var verbose = new Option<bool>("--verbose") { Description = "Debug-level logs from the host and the worker." };
        var command = new Command("host", "Run the local Functions host (isolated worker over gRPC; Azurite queues and blobs, timers, /api, admin API).") { appRoot, settings, storage, port, verbose };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var loggerFactory = LoggerFactory.Create(b => b
                .AddSimpleConsole(o => o.SingleLine = true)
                .SetMinimumLevel(parse.GetValue(verbose) ? LogLevel.Debug : LogLevel.Information));
            var values = CliPaths.LoadHostSettings(parse.GetValue(settings));
            await using var azurite = await CliPaths.EnsureStorageAsync(values, parse.GetValue(storage), cancellationToken);
            await using var host = await LocalFunctionsHost.StartAsync(new LocalHostOptions
            {
                AppDirectory = Path.GetFullPath(parse.GetValue(appRoot)!),
                Settings = values,
                HttpPort = parse.GetValue(port),
                LoggerFactory = loggerFactory,
            }, cancellationToken);
            Console.WriteLine($"Demand host: {host.HttpBaseAddress}{host.HostJson.RoutePrefix}  storage: {(azurite is null ? "from settings" : "Azurite " + azurite.BlobServiceUri)}  (Ctrl-C to stop)");
            foreach (var function in host.Functions)
            {
                Console.WriteLine($"  {function.Name}: {function.Trigger}{(function.Route is null ? string.Empty : " " + function.Route)}");
            }

            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            return 0;
        });
        return command;
    }
}
