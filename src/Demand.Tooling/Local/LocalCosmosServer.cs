using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Demand.Infrastructure.Cosmos;

namespace Demand.Tooling.Local;

/// <summary>
/// Starts npm <c>@vercel/cosmosdb-server</c> (HTTPS, loopback, a free port) as a child process: the local
/// stand-in for Cosmos DB used by <c>demand run</c> and the tests. Its key is any base64 string.
/// </summary>
public sealed class LocalCosmosServer : IAsyncDisposable
{
    public const string Key = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

    private readonly Process _process;

    private LocalCosmosServer(Process process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public CosmosOptions Options(string databaseName) => new()
    {
        Endpoint = Endpoint,
        Key = Key,
        DatabaseName = databaseName,
        CreateIfNotExists = true,
    };

    public static async Task<LocalCosmosServer> StartAsync(string nodeModules, CancellationToken cancellationToken)
    {
        var cli = Path.Combine(nodeModules, "@vercel", "cosmosdb-server", "lib", "cli.js");
        if (!File.Exists(cli))
        {
            throw new FileNotFoundException($"cosmosdb-server is not installed at {cli}: run 'npm ci' (./run.sh and ./test.sh do).", cli);
        }

        var port = FreePort();
        var start = new ProcessStartInfo("node", [cli, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--host", "127.0.0.1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Ready to accept", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await ready.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("cosmosdb-server did not start within 30 s.");
        }

        return new LocalCosmosServer(process, new Uri($"https://127.0.0.1:{port}/"));
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
