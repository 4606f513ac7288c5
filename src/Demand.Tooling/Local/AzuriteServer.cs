using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Demand.Tooling.Local;

/// <summary>
/// Starts npm <c>azurite</c> (Blob, Queue and Table emulator) as a child process on free loopback ports, in memory,
/// and builds the connection string from the ports it actually took (<c>UseDevelopmentStorage=true</c> assumes the
/// fixed 10000/10001). Disposing kills the process tree, and with it every blob and message.
/// </summary>
public sealed partial class AzuriteServer : IAsyncDisposable
{
    /// <summary>The emulator's well-known account and key (public, documented by Microsoft).</summary>
    public const string AccountName = "devstoreaccount1";

    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>What tests and <c>demand run</c> get: plenty for generated parts, bounded so a runaway test cannot eat the machine.</summary>
    public const int DefaultExtentMemoryLimitMiB = 512;

    private readonly Process _process;

    private AzuriteServer(Process process, int blobPort, int queuePort)
    {
        _process = process;
        BlobServiceUri = new Uri($"http://127.0.0.1:{blobPort}/{AccountName}");
        QueueServiceUri = new Uri($"http://127.0.0.1:{queuePort}/{AccountName}");
    }

    public Uri BlobServiceUri { get; }

    public Uri QueueServiceUri { get; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={BlobServiceUri};QueueEndpoint={QueueServiceUri};";

    /// <summary>Starts Azurite from <paramref name="nodeModules"/> (default: <see cref="RepoPaths.NodeModules"/>) and waits until blob and queue listen.</summary>
    public static Task<AzuriteServer> StartAsync(string? nodeModules, CancellationToken cancellationToken) =>
        StartAsync(nodeModules, DefaultExtentMemoryLimitMiB, cancellationToken);

    /// <param name="extentMemoryLimitMiB">Azurite's in-memory cap on blob and queue content: a bench that uploads a 1 GB part needs more than the default.</param>
    public static async Task<AzuriteServer> StartAsync(string? nodeModules, int extentMemoryLimitMiB, CancellationToken cancellationToken)
    {
        nodeModules ??= RepoPaths.NodeModules();
        var cli = Path.Combine(nodeModules, "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(cli))
        {
            throw new FileNotFoundException($"Azurite is not installed at {cli}: run 'npm ci --ignore-scripts' (scripts/setup.sh does).", cli);
        }

        // Port 0 lets each service take a free port; Azurite prints the one it got.
        var start = new ProcessStartInfo("node", [cli,
            "--blobHost", "127.0.0.1", "--blobPort", "0",
            "--queueHost", "127.0.0.1", "--queuePort", "0",
            "--tableHost", "127.0.0.1", "--tablePort", "0",
            "--inMemoryPersistence", "--extentMemoryLimit", extentMemoryLimitMiB.ToString(CultureInfo.InvariantCulture),
            "--skipApiVersionCheck", "--disableTelemetry", "--silent", "--loose"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        int? blobPort = null, queuePort = null;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null || Listening().Match(e.Data) is not { Success: true } match)
            {
                return;
            }

            var port = int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture);
            lock (ready)
            {
                if (match.Groups["service"].Value == "Blob")
                {
                    blobPort = port;
                }
                else if (match.Groups["service"].Value == "Queue")
                {
                    queuePort = port;
                }

                if (blobPort is not null && queuePort is not null)
                {
                    ready.TrySetResult();
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                errors.Enqueue(line);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await Task.WhenAny(ready.Task, process.WaitForExitAsync(timeout.Token)).Unwrap().WaitAsync(timeout.Token);
            if (!ready.Task.IsCompleted)
            {
                throw new InvalidOperationException($"Azurite exited with code {process.ExitCode}: {string.Join(Environment.NewLine, errors)}");
            }
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException("Azurite did not start within 30 s.");
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }

        return new AzuriteServer(process, blobPort!.Value, queuePort!.Value);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"Azurite (?<service>Blob|Queue|Table) service is successfully listening at https?://[^:]+:(?<port>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex Listening();
}
