using System.CommandLine;
using Demand.Cli.Host;
using Microsoft.Extensions.Logging;

namespace Demand.Cli.Commands;

/// <summary><c>demand host</c>: the local Functions host stand-in, until Ctrl-C.</summary>
internal static class HostCommand
{
    public static Command Create()
    {
        var appRoot = new Option<string>("--app-root") { Description = "Folder with host.json, function folders and the handler executable.", DefaultValueFactory = _ => CliPaths.DefaultAppRoot() };
        var storage = new Option<string>("--storage") { Description = "Blob and queue folder.", DefaultValueFactory = _ => Path.Combine(CliPaths.DefaultStateRoot(), "storage") };
        var settings = new Option<string?>("--settings") { Description = "local.settings.json whose Values become the handler's environment.", DefaultValueFactory = _ => "local.settings.json" };
        var port = new Option<int>("--port") { Description = "Public HTTP port.", DefaultValueFactory = _ => 7071 };
        var command = new Command("host", "Run the local Functions host stand-in (blob folder, disk queues, timers, /api proxy).") { appRoot, storage, settings, port };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
            var options = new LocalHostOptions
            {
                AppRoot = Path.GetFullPath(parse.GetValue(appRoot)!),
                StorageRoot = Path.GetFullPath(parse.GetValue(storage)!),
                Settings = CliPaths.LoadLocalSettings(parse.GetValue(settings)),
            };
            await using var host = new LocalFunctionsHost(options, loggerFactory);
            await host.StartAsync(cancellationToken);
            await using var front = await HostFrontEnd.StartAsync(host, parse.GetValue(port), loggerFactory, cancellationToken);
            Console.WriteLine($"Demand host: http://127.0.0.1:{parse.GetValue(port)}/api  storage: {options.StorageRoot}  (Ctrl-C to stop)");
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
