using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Demand.Tooling.Host;
using Microsoft.Extensions.Logging;

namespace Demand.Tooling.Tests;

/// <summary>One local host over the Testing.Worker app per test class, on the assembly's Azurite.</summary>
public sealed class HostFixture(AzuriteFixture azurite) : IAsyncLifetime
{
    private LocalFunctionsHost? _host;

    public LocalFunctionsHost Host => _host ?? throw new InvalidOperationException("The host is not started.");

    public AzuriteFixture Azurite => azurite;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>Everything logged through the host's logger factory (the host's own logs and the worker's RpcLogs).</summary>
    public CapturingLoggerProvider Logs { get; } = new();

    /// <summary>The host's request body limit in these tests (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT; Azure's default is 100 MB).</summary>
    public const int BodyLimit = 1 << 20;

    public TestQueues Storage { get; } = new(azurite);

    public QueueServiceClient Queues => Storage.Queues;

    public BlobServiceClient Blobs => Storage.Blobs;

    public async ValueTask InitializeAsync()
    {
        _host = await StartHostAsync(azurite, TestContext.Current.CancellationToken, Logs);
        Http = new HttpClient { BaseAddress = _host.HttpBaseAddress };
        await WarmHttpAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// The isolated worker pairs a forwarded request with its invocation within 5 s (its HTTP coordinator) and answers
    /// 500 after that; a cold worker on a loaded 2-core machine can miss that on its first HTTP invocation, as it can
    /// on a cold start in Azure. These tests are about routing and values, not cold starts, so the HTTP path is warmed
    /// once (CI failed the first HTTP test of a class this way).
    /// </summary>
    private async Task WarmHttpAsync(CancellationToken cancellationToken)
    {
        var until = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await Http.GetAsync("api/items/warm-up", cancellationToken);
            if (response.IsSuccessStatusCode || DateTimeOffset.UtcNow > until)
            {
                return;
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    public static Task<LocalFunctionsHost> StartHostAsync(AzuriteFixture azurite, CancellationToken cancellationToken, ILoggerProvider? capture = null, TimeSpan? blobPolling = null) =>
        LocalFunctionsHost.StartAsync(new LocalHostOptions
        {
            AppDirectory = WorkerApp.Directory(),
            Settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["AzureWebJobsStorage"] = azurite.Server.ConnectionString,
                [HttpFrontEnd.BodyLimitSetting] = BodyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            HttpPort = 0,
            EnableTimerSchedules = false,
            BlobPollingInterval = blobPolling ?? TimeSpan.FromMilliseconds(250),
            LoggerFactory = LoggerFactory.Create(b =>
            {
                b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
                if (capture is not null)
                {
                    b.AddProvider(capture);
                }
            }),
        }, cancellationToken);

    public Task<SendReceipt> EnqueueAsync(string queue, string text) => Storage.EnqueueAsync(queue, text);

    public Task<List<string>> TakeAsync(string queue, string marker, int count, TimeSpan? timeout = null) => Storage.TakeAsync(queue, marker, count, timeout);

    public Task<List<string>> PeekRawAsync(string queue) => Storage.PeekRawAsync(queue);

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
