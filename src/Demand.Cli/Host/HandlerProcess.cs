using System.Diagnostics;
using Demand.Hosting.Definitions;
using Microsoft.Extensions.Logging;

namespace Demand.Cli.Host;

/// <summary>
/// Starts the custom handler as the Functions host does: executable from host.json (relative to the app root
/// if it exists there, else on PATH), FUNCTIONS_CUSTOMHANDLER_PORT and friends in its environment, stdout
/// logged as Information and stderr as Error; ready when <c>GET /</c> answers anything.
/// </summary>
internal sealed class HandlerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private HandlerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public bool HasExited => _process.HasExited;

    public static async Task<HandlerProcess> StartAsync(string appRoot, HostSettings settings, IReadOnlyDictionary<string, string?> environment, ILogger logger, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var workerId = Guid.NewGuid().ToString();
        var variables = new Dictionary<string, string?>(environment)
        {
            ["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["FUNCTIONS_HTTPWORKER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["FUNCTIONS_CUSTOMHANDLER_WORKER_ID"] = workerId,
            ["FUNCTIONS_APP_ROOT_PATH"] = appRoot,
        };

        var relative = Path.Combine(appRoot, settings.DefaultExecutablePath);
        var executable = File.Exists(relative) ? relative : settings.DefaultExecutablePath;
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = string.IsNullOrEmpty(settings.WorkingDirectory) ? appRoot : Path.Combine(appRoot, settings.WorkingDirectory),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in settings.Arguments)
        {
            start.ArgumentList.Add(ExpandArgument(argument, variables));
        }

        foreach (var (key, value) in variables)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                logger.LogInformation("{HandlerOutput}", e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                logger.LogError("{HandlerError}", e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var handler = new HandlerProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        using var probe = new HttpClient { BaseAddress = handler.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The handler exited with code {process.ExitCode} before it was ready.");
            }

            try
            {
                using var response = await probe.GetAsync(new Uri("/", UriKind.Relative), cancellationToken);
                return handler;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                await handler.DisposeAsync();
                throw new TimeoutException("The handler did not answer GET / within 60 s.");
            }

            await Task.Delay(25, cancellationToken);
        }
    }

    /// <summary>%NAME% is expanded from the handler's environment; unknown names are dropped, as the host does.</summary>
    internal static string ExpandArgument(string argument, IReadOnlyDictionary<string, string?> variables) =>
        System.Text.RegularExpressions.Regex.Replace(argument, "%([^%]+)%", m => variables.TryGetValue(m.Groups[1].Value, out var v) ? v ?? "" : "");

    private static int FreePort() => Demand.Infrastructure.Cosmos.LocalCosmosServer.FreePort();

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
