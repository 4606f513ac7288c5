using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Demand.Tooling.Host.Rpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Demand.Tooling.Host;

/// <summary>
/// A local Azure Functions host for .NET isolated-worker apps: starts the unmodified worker, drives it over the
/// host↔worker gRPC protocol (FunctionRpc.EventStream) and fires its functions from Azure Storage queues and
/// blobs (Azurite), timers and HTTP, with host.json's queue semantics and the Azure host's binding data.
/// </summary>
public sealed class LocalFunctionsHost : IAsyncDisposable
{
    private const int MaxMessageLength = int.MaxValue;

    private readonly LocalHostOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Dictionary<string, string> _settings;
    private readonly WorkerRegistry _registry = new();
    private readonly ConcurrentDictionary<string, FunctionStatistics> _statistics = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<InvocationOutcome> _outcomes = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _background = [];
    private readonly List<QueueListener> _queueListeners = [];
    private readonly List<BlobListener> _blobListeners = [];
    private readonly Lock _workerLock = new();
    private TaskCompletionSource<WorkerConnection> _worker = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WorkerConnection? _current;
    private WebApplication? _grpc;
    private HttpFrontEnd? _frontEnd;
    private Uri? _grpcUri;
    private int _inFlight;

    private LocalFunctionsHost(LocalHostOptions options)
    {
        _options = options;
        _loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<LocalFunctionsHost>();
        AppDirectory = Path.GetFullPath(options.AppDirectory);
        _settings = new Dictionary<string, string>(options.Settings, StringComparer.OrdinalIgnoreCase);
        HostJson = HostJson.Load(AppDirectory);
        WorkerConfig = WorkerConfig.Load(AppDirectory);
        Storage = new StorageConnections(_settings);
    }

    /// <summary>Raised after every invocation (and its outputs) finished, on a thread-pool thread.</summary>
    public event EventHandler<InvocationOutcome>? InvocationCompleted;

    public string AppDirectory { get; }

    public HostJson HostJson { get; }

    public WorkerConfig WorkerConfig { get; }

    /// <summary>The public front end: <c>{HttpBaseAddress}{routePrefix}/…</c>, <c>admin/functions/{name}</c>.</summary>
    public Uri HttpBaseAddress => _frontEnd?.BaseAddress ?? throw new InvalidOperationException("The host is not started.");

    /// <summary>The functions the worker reported and loaded.</summary>
    public IReadOnlyList<FunctionInfo> Functions => [.. HostedFunctions.Select(f => new FunctionInfo(f.Name, f.Trigger, f.Trigger == TriggerKind.Http ? HttpRoute.RouteOf(f) : null))];

    /// <summary>Invocations, successes and failures per function name.</summary>
    public IReadOnlyDictionary<string, FunctionStatistics> Statistics => _statistics;

    /// <summary>Every finished invocation, oldest first.</summary>
    public IReadOnlyList<InvocationOutcome> Outcomes => [.. _outcomes];

    /// <summary>The worker's process id (changes when a crashed worker is restarted).</summary>
    public int? WorkerProcessId => _current?.ProcessId;

    internal IReadOnlyList<HostedFunction> HostedFunctions { get; private set; } = [];

    internal StorageConnections Storage { get; }

    internal IReadOnlyDictionary<string, string> Settings => _settings;

    internal ILoggerFactory LoggerFactory => _loggerFactory;

    internal int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Starts the gRPC server, the worker (handshake and function loads), the listeners and the HTTP front end.</summary>
    public static async Task<LocalFunctionsHost> StartAsync(LocalHostOptions options, CancellationToken cancellationToken)
    {
        var host = new LocalFunctionsHost(options);
        try
        {
            await host.StartCoreAsync(cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Fires a non-HTTP function now, as the admin API does (a timer with a fresh TimerInfo; a queue function with <paramref name="input"/>).</summary>
    public Task<InvocationOutcome> TriggerAsync(string functionName, CancellationToken cancellationToken) => TriggerAsync(functionName, null, cancellationToken);

    /// <inheritdoc cref="TriggerAsync(string, CancellationToken)"/>
    public Task<InvocationOutcome> TriggerAsync(string functionName, string? input, CancellationToken cancellationToken)
    {
        var function = Find(functionName) ?? throw new KeyNotFoundException($"No function named '{functionName}'.");
        return function.Trigger switch
        {
            TriggerKind.Timer => TimerScheduler.InvokeAsync(this, function, isPastDue: false, cancellationToken),
            TriggerKind.Queue => QueueListener.InvokeWithInputAsync(this, function, input ?? string.Empty, cancellationToken),
            TriggerKind.Http => throw new InvalidOperationException($"{functionName} is an HTTP function: call it at {HttpBaseAddress}."),
            _ => throw new NotSupportedException($"{functionName} has a {function.TriggerBinding.Type} trigger, which this host cannot fire."),
        };
    }

    /// <summary>
    /// Waits until nothing is in flight, every trigger queue is empty (invisible messages count as not empty)
    /// and every blob-trigger container has no blob without a receipt — twice in a row, so work that one
    /// invocation starts (an output message) is seen too.
    /// </summary>
    public async Task WaitForIdleAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var quietChecks = 0;
        try
        {
            while (quietChecks < 2)
            {
                quietChecks = await IsIdleAsync(limit.Token) ? quietChecks + 1 : 0;
                await Task.Delay(TimeSpan.FromMilliseconds(100), limit.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The host was not idle within {timeout} ({InFlight} invocations in flight).");
        }
    }

    /// <summary>Waits for the first outcome (already recorded or still to come) that matches.</summary>
    public async Task<InvocationOutcome> WaitForOutcomeAsync(Func<InvocationOutcome, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var found = new TaskCompletionSource<InvocationOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnCompleted(object? sender, InvocationOutcome outcome)
        {
            if (predicate(outcome))
            {
                found.TrySetResult(outcome);
            }
        }

        InvocationCompleted += OnCompleted;
        try
        {
            foreach (var outcome in _outcomes)
            {
                if (predicate(outcome))
                {
                    return outcome;
                }
            }

            return await found.Task.WaitAsync(timeout, cancellationToken);
        }
        finally
        {
            InvocationCompleted -= OnCompleted;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_frontEnd is not null)
        {
            await _frontEnd.DisposeAsync();
        }

        try
        {
            await Task.WhenAll(_background).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception)
        {
            // Listeners end by cancellation; a late failure must not stop the shutdown.
        }

        if (_current is { } worker)
        {
            await worker.StopAsync(_options.ShutdownGracePeriod);
            await worker.DisposeAsync();
        }

        if (_grpc is not null)
        {
            await _grpc.StopAsync(CancellationToken.None);
            await _grpc.DisposeAsync();
        }

        _stopping.Dispose();
    }

    internal HostedFunction? Find(string functionName) =>
        HostedFunctions.FirstOrDefault(f => string.Equals(f.Name, functionName, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Sends one InvocationRequest and waits for its response; on success writes the output bindings (after, never
    /// before, the invocation succeeded). Never throws for a failed invocation: the outcome says so.
    /// </summary>
    internal async Task<InvocationOutcome> InvokeAsync(HostedFunction function, InvocationRequest request, IReadOnlyDictionary<string, string> triggerValues, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _inFlight);
        var started = Stopwatch.GetTimestamp();
        string? error = null;
        try
        {
            request.InvocationId = string.IsNullOrEmpty(request.InvocationId) ? Guid.NewGuid().ToString() : request.InvocationId;
            request.TraceContext ??= NewTraceContext();
            request.TriggerMetadata["sys"] = RpcValues.Sys(function.Name);
            var worker = await _worker.Task.WaitAsync(cancellationToken);
            request.FunctionId = (Find(function.Name) ?? function).FunctionId;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (HostJson.FunctionTimeout is { } limit)
            {
                timeout.CancelAfter(limit);
            }

            InvocationResponse response;
            try
            {
                response = await worker.InvokeAsync(request, timeout.Token);
            }
            catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
            {
                // functionTimeout or the caller gave up (an aborted HTTP request): tell the worker to cancel.
                await worker.CancelInvocationAsync(request.InvocationId, TimeSpan.FromSeconds(5));
                if (!cancellationToken.IsCancellationRequested && HostJson.FunctionTimeout is { } t)
                {
                    HostLog.TimedOut(_logger, request.InvocationId, function.Name, t);
                    throw new TimeoutException($"Timeout value of {t} exceeded by function '{function.Name}' (Id: '{request.InvocationId}').");
                }

                throw;
            }

            if (response.Result?.Status != StatusResult.Types.Status.Success)
            {
                error = response.Result?.Exception?.Message is { Length: > 0 } message ? message : $"The worker reported {response.Result?.Status}.";
            }
            else
            {
                await OutputWriter.WriteAsync(this, function, response, triggerValues, CancellationToken.None);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            error = exception.Message;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }

        var outcome = new InvocationOutcome
        {
            FunctionName = function.Name,
            InvocationId = request.InvocationId,
            Succeeded = error is null,
            Error = error,
            Duration = Stopwatch.GetElapsedTime(started),
            TriggerValues = triggerValues,
        };
        if (error is null)
        {
            HostLog.Succeeded(_logger, function.Name, outcome.InvocationId, outcome.Duration.TotalMilliseconds);
        }
        else
        {
            HostLog.Failed(_logger, function.Name, outcome.InvocationId, outcome.Duration.TotalMilliseconds, error);
        }

        _statistics.GetOrAdd(function.Name, _ => new FunctionStatistics()).Record(error is null);
        _outcomes.Enqueue(outcome);
        InvocationCompleted?.Invoke(this, outcome);
        return outcome;
    }

    /// <summary>The running worker, waiting while a crashed one restarts.</summary>
    internal Task<WorkerConnection> CurrentWorkerAsync(CancellationToken cancellationToken) => _worker.Task.WaitAsync(cancellationToken);

    internal void Track(Task task)
    {
        lock (_background)
        {
            _background.Add(task);
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        _grpc = BuildGrpcServer();
        await _grpc.StartAsync(cancellationToken);
        _grpcUri = new Uri(_grpc.Urls.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");

        var worker = await StartWorkerAsync(cancellationToken);
        Track(WatchWorkerAsync(worker));
        foreach (var function in HostedFunctions)
        {
            _statistics[function.Name] = new FunctionStatistics();
        }

        foreach (var function in HostedFunctions)
        {
            switch (function.Trigger)
            {
                case TriggerKind.Queue:
                    var queue = new QueueListener(this, function);
                    _queueListeners.Add(queue);
                    Track(queue.RunAsync(_stopping.Token));
                    break;
                case TriggerKind.Blob:
                    var blob = new BlobListener(this, function, _options.HostId, _options.BlobPollingInterval);
                    _blobListeners.Add(blob);
                    Track(blob.RunAsync(_stopping.Token));
                    break;
                case TriggerKind.Timer when _options.EnableTimerSchedules:
                    Track(new TimerScheduler(this, function).RunAsync(_stopping.Token));
                    break;
                default:
                    break;
            }
        }

        _frontEnd = await HttpFrontEnd.StartAsync(this, _blobListeners, _options.HttpPort, cancellationToken);
    }

    private WebApplication BuildGrpcServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // The worker speaks plaintext HTTP/2 (h2c) to the host's gRPC endpoint.
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Limits.MaxRequestBodySize = null;
        });
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = null;
            grpc.MaxSendMessageSize = null;
        });
        builder.Services.AddSingleton(_registry);
        var app = builder.Build();
        app.MapGrpcService<FunctionRpcService>();
        return app;
    }

    private async Task<WorkerConnection> StartWorkerAsync(CancellationToken cancellationToken)
    {
        var worker = new WorkerConnection(Guid.NewGuid().ToString(), _loggerFactory);
        _registry.Workers[worker.WorkerId] = worker;
        worker.Start(WorkerConfig, AppDirectory, _grpcUri!, WorkerEnvironment(), MaxMessageLength);
        try
        {
            var functions = await worker.HandshakeAsync(AppDirectory, _options.WorkerStartTimeout, cancellationToken);
            if (HostedFunctions.Count == 0)
            {
                HostedFunctions = functions;
            }
            else
            {
                // A restarted worker may assign new function ids; the listeners look them up by name.
                var ids = functions.ToDictionary(f => f.Name, f => f.FunctionId, StringComparer.Ordinal);
                HostedFunctions = [.. HostedFunctions.Select(f => ids.TryGetValue(f.Name, out var id) ? f with { FunctionId = id } : f)];
            }
        }
        catch
        {
            _registry.Workers.TryRemove(worker.WorkerId, out _);
            await worker.DisposeAsync();
            throw;
        }

        lock (_workerLock)
        {
            _current = worker;
            _worker.TrySetResult(worker);
        }

        return worker;
    }

    // A worker that dies is replaced: its in-flight invocations already failed (so their messages are retried).
    private async Task WatchWorkerAsync(WorkerConnection worker)
    {
        while (!_stopping.IsCancellationRequested)
        {
            // Shutdown ends the watch too: it must not wait for a worker that is only stopped after the listeners.
            await Task.WhenAny(worker.Closed, Task.Delay(Timeout.Infinite, _stopping.Token));
            if (_stopping.IsCancellationRequested || worker.Stopping)
            {
                return;
            }

            HostLog.WorkerCrashed(_logger, worker.WorkerId, worker.ExitCode, worker.InFlight);
            lock (_workerLock)
            {
                _worker = new TaskCompletionSource<WorkerConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            _registry.Workers.TryRemove(worker.WorkerId, out _);
            await worker.DisposeAsync();
            while (!_stopping.IsCancellationRequested)
            {
                try
                {
                    worker = await StartWorkerAsync(_stopping.Token);
                    break;
                }
                catch (Exception exception) when (!_stopping.IsCancellationRequested)
                {
                    HostLog.ListenerFailed(_logger, exception, "worker restart", "*");
                    await Task.Delay(TimeSpan.FromSeconds(2), _stopping.Token);
                }
            }
        }
    }

    private Dictionary<string, string> WorkerEnvironment()
    {
        var environment = new Dictionary<string, string>(_settings, StringComparer.Ordinal)
        {
            ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
            // Without it every FunctionLoadRequest fails ("FUNCTIONS_APPLICATION_DIRECTORY … is not defined").
            ["FUNCTIONS_APPLICATION_DIRECTORY"] = AppDirectory,
            ["AzureWebJobsScriptRoot"] = AppDirectory,
        };
        environment.TryAdd("AZURE_FUNCTIONS_ENVIRONMENT", "Development");
        return environment;
    }

    private async Task<bool> IsIdleAsync(CancellationToken cancellationToken)
    {
        if (InFlight > 0)
        {
            return false;
        }

        foreach (var queue in _queueListeners)
        {
            if (!await queue.IsEmptyAsync(cancellationToken))
            {
                return false;
            }
        }

        foreach (var blob in _blobListeners)
        {
            if (await blob.HasPendingAsync(cancellationToken))
            {
                return false;
            }
        }

        return InFlight == 0;
    }

    private static RpcTraceContext NewTraceContext() => new()
    {
        // W3C traceparent: the worker fails the invocation without one (NullReferenceException).
        TraceParent = $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01",
    };
}
