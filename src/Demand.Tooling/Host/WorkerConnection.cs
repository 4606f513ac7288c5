using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Demand.Tooling.Host.Rpc;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Demand.Tooling.Host;

/// <summary>
/// One worker process and its EventStream: the handshake (WorkerInit → FunctionsMetadata → one FunctionLoad per
/// function) and the invocations in flight on it. A new worker (after a crash) is a new connection.
/// </summary>
internal sealed class WorkerConnection : IAsyncDisposable
{
    private readonly Channel<StreamingMessage> _outbound = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<InvocationResponse>> _invocations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<FunctionLoadResponse>> _loads = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _attached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<WorkerInitResponse> _init = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<FunctionMetadataResponse> _metadata = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ILogger> _workerLoggers = new(StringComparer.Ordinal);
    private Process? _process;

    public WorkerConnection(string workerId, ILoggerFactory loggerFactory)
    {
        WorkerId = workerId;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("Demand.Tooling.Host.Worker");
    }

    public string WorkerId { get; }

    public Uri? HttpUri { get; private set; }

    public IReadOnlyDictionary<string, string> Capabilities { get; private set; } = new Dictionary<string, string>();

    public int? ProcessId => _process?.Id;

    /// <summary>Completes when the process exits or the stream closes: either way the worker is gone.</summary>
    public Task Closed => _closed.Task;

    public bool Stopping { get; set; }

    public int InFlight => _invocations.Count;

    public void Start(WorkerConfig config, string appDirectory, Uri grpcUri, IReadOnlyDictionary<string, string> environment, int maxMessageLength)
    {
        var start = new ProcessStartInfo(config.ExecutablePath)
        {
            WorkingDirectory = appDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in config.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (config.WorkerPath is not null)
        {
            start.ArgumentList.Add(config.WorkerPath);
        }

        foreach (var argument in config.WorkerArguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The same arguments the Azure host passes; the worker reads them as configuration.
        start.ArgumentList.Add("--functions-uri");
        start.ArgumentList.Add(grpcUri.ToString());
        start.ArgumentList.Add("--functions-worker-id");
        start.ArgumentList.Add(WorkerId);
        start.ArgumentList.Add("--functions-request-id");
        start.ArgumentList.Add(Guid.NewGuid().ToString());
        start.ArgumentList.Add("--functions-grpc-max-message-length");
        start.ArgumentList.Add(maxMessageLength.ToString(CultureInfo.InvariantCulture));
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        HostLog.StartingWorker(_logger, WorkerId, start.FileName, string.Join(' ', start.ArgumentList));
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                HostLog.WorkerOutput(_logger, line);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                HostLog.WorkerError(_logger, line);
            }
        };
        process.Exited += (_, _) => Close(new WorkerCrashedException($"Worker {WorkerId} exited with code {SafeExitCode(process)}."));
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start the worker {config.ExecutablePath}.");
        }

        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int ExitCode => _process is { HasExited: true } p ? SafeExitCode(p) : 0;

    /// <summary>StartStream → WorkerInit → FunctionsMetadata → FunctionLoad each; returns the loaded functions.</summary>
    public async Task<IReadOnlyList<HostedFunction>> HandshakeAsync(string appDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var token = limit.Token;
        try
        {
            await WhileOpen(_attached.Task, token);
            var init = new WorkerInitRequest
            {
                HostVersion = "4.1040.0.0",
                WorkerDirectory = appDirectory,
                FunctionAppDirectory = appDirectory,
            };
            // The capabilities the Azure host advertises that change how this worker talks to us.
            init.Capabilities.Add("RpcHttpBodyOnly", "true");
            init.Capabilities.Add("RawHttpBodyBytes", "true");
            init.Capabilities.Add("TypedDataCollection", "true");
            init.Capabilities.Add("RpcHttpTriggerMetadataRemoved", "true");
            init.Capabilities.Add("IncludeEmptyEntriesInMessagePayload", "true");
            await SendAsync(new StreamingMessage { RequestId = NewId(), WorkerInitRequest = init }, token);
            var initResponse = await WhileOpen(_init.Task, token);
            if (initResponse.Result?.Status != StatusResult.Types.Status.Success)
            {
                throw new InvalidOperationException($"Worker init failed: {initResponse.Result?.Exception?.Message ?? initResponse.Result?.Result}");
            }

            Capabilities = initResponse.Capabilities.ToDictionary(StringComparer.Ordinal);
            HttpUri = Capabilities.TryGetValue("HttpUri", out var httpUri) && Uri.TryCreate(httpUri, UriKind.Absolute, out var uri) ? uri : null;

            await SendAsync(new StreamingMessage { RequestId = NewId(), FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory } }, token);
            var metadata = await WhileOpen(_metadata.Task, token);
            if (metadata.Result is { Status: StatusResult.Types.Status.Failure } failed)
            {
                throw new InvalidOperationException($"Worker indexing failed: {failed.Exception?.Message ?? failed.Result}");
            }

            // One FunctionLoadRequest per function: this worker does not answer a FunctionLoadRequestCollection.
            var functions = new List<HostedFunction>();
            foreach (var function in metadata.FunctionMetadataResults)
            {
                var load = new TaskCompletionSource<FunctionLoadResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
                _loads[function.FunctionId] = load;
                await SendAsync(new StreamingMessage { RequestId = NewId(), FunctionLoadRequest = new FunctionLoadRequest { FunctionId = function.FunctionId, Metadata = function } }, token);
                var loaded = await WhileOpen(load.Task, token);
                if (loaded.Result?.Status != StatusResult.Types.Status.Success)
                {
                    HostLog.LoadFailed(_logger, function.Name, loaded.Result?.Exception?.Message ?? loaded.Result?.Result ?? "unknown");
                    continue;
                }

                functions.Add(HostedFunction.Create(function.Name, function.FunctionId, function.RawBindings));
            }

            HostLog.WorkerReady(_logger, WorkerId, functions.Count, HttpUri);
            return functions;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Worker {WorkerId} did not finish the handshake within {timeout}.");
        }
    }

    /// <summary>Sends the request and returns the worker's response; throws <see cref="WorkerCrashedException"/> if the worker goes away first.</summary>
    public async Task<InvocationResponse> InvokeAsync(InvocationRequest request, CancellationToken cancellationToken)
    {
        var response = new TaskCompletionSource<InvocationResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_invocations.TryAdd(request.InvocationId, response))
        {
            throw new InvalidOperationException($"Invocation {request.InvocationId} is already in flight.");
        }

        try
        {
            if (_closed.Task.IsCompleted)
            {
                throw new WorkerCrashedException($"Worker {WorkerId} is gone.");
            }

            await SendAsync(new StreamingMessage { InvocationRequest = request }, cancellationToken);
            return await response.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _invocations.TryRemove(request.InvocationId, out _);
        }
    }

    public ValueTask CancelInvocationAsync(string invocationId, TimeSpan gracePeriod) =>
        SendAsync(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = invocationId, GracePeriod = Duration.FromTimeSpan(gracePeriod) } }, CancellationToken.None);

    /// <summary>Runs the stream the worker opened: writes our queued messages, dispatches the worker's.</summary>
    public async Task RunStreamAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        _attached.TrySetResult();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = Task.Run(async () =>
        {
            await foreach (var message in _outbound.Reader.ReadAllAsync(stop.Token))
            {
                await responses.WriteAsync(message, stop.Token);
            }
        }, CancellationToken.None);
        try
        {
            while (await requests.MoveNext(stop.Token))
            {
                Dispatch(requests.Current);
            }
        }
        catch (Exception) when (stop.IsCancellationRequested || _closed.Task.IsCompleted)
        {
            // The worker or the host is going away; Close below tells the waiters.
        }
        catch (IOException)
        {
            // The worker dropped the connection (crash): Close below tells the waiters.
        }
        finally
        {
            Close(new WorkerCrashedException($"Worker {WorkerId} closed its stream."));
            await stop.CancelAsync();
            try
            {
                await writer;
            }
            catch (Exception)
            {
                // The stream is over; nothing left to write to.
            }
        }
    }

    /// <summary>WorkerTerminate with a grace period, then kills the process tree if it is still there.</summary>
    public async Task StopAsync(TimeSpan gracePeriod)
    {
        Stopping = true;
        if (_process is { HasExited: false } process)
        {
            if (_attached.Task.IsCompleted && !_closed.Task.IsCompleted)
            {
                await SendAsync(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(gracePeriod) } }, CancellationToken.None);
            }

            using var wait = new CancellationTokenSource(gracePeriod + TimeSpan.FromSeconds(1));
            try
            {
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                HostLog.KillingWorker(_logger, WorkerId);
                Kill();
            }
        }

        Close(new WorkerCrashedException($"Worker {WorkerId} was stopped."));
    }

    public void Kill()
    {
        try
        {
            if (_process is { HasExited: false } process)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        if (_process is { } process)
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                // Killed; the OS reaps it.
            }

            process.Dispose();
        }
    }

    private void Dispatch(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.WorkerInitResponse:
                _init.TrySetResult(message.WorkerInitResponse);
                break;
            case StreamingMessage.ContentOneofCase.FunctionMetadataResponse:
                _metadata.TrySetResult(message.FunctionMetadataResponse);
                break;
            case StreamingMessage.ContentOneofCase.FunctionLoadResponse:
                if (_loads.TryRemove(message.FunctionLoadResponse.FunctionId, out var load))
                {
                    load.TrySetResult(message.FunctionLoadResponse);
                }

                break;
            case StreamingMessage.ContentOneofCase.InvocationResponse:
                // A late answer to an invocation we already gave up on (timeout, cancel) finds nothing to complete.
                if (_invocations.TryGetValue(message.InvocationResponse.InvocationId, out var invocation))
                {
                    invocation.TrySetResult(message.InvocationResponse);
                }

                break;
            case StreamingMessage.ContentOneofCase.RpcLog:
                Log(message.RpcLog);
                break;
            default:
                break;
        }
    }

    private void Log(RpcLog log)
    {
        var category = string.IsNullOrEmpty(log.Category) ? "Worker" : log.Category;
        var logger = _workerLoggers.GetOrAdd(category, c => _loggerFactory.CreateLogger(c));
        var level = log.Level switch
        {
            RpcLog.Types.Level.Trace => LogLevel.Trace,
            RpcLog.Types.Level.Debug => LogLevel.Debug,
            RpcLog.Types.Level.Information => LogLevel.Information,
            RpcLog.Types.Level.Warning => LogLevel.Warning,
            RpcLog.Types.Level.Error => LogLevel.Error,
            RpcLog.Types.Level.Critical => LogLevel.Critical,
            _ => LogLevel.None,
        };
        if (!logger.IsEnabled(level))
        {
            return;
        }

        if (log.Exception is { } exception)
        {
            logger.Log(level, "{Message} {Exception}", log.Message, exception.Message);
        }
        else
        {
            logger.Log(level, "{Message}", log.Message);
        }
    }

    private ValueTask SendAsync(StreamingMessage message, CancellationToken cancellationToken) => _outbound.Writer.WriteAsync(message, cancellationToken);

    private async Task<T> WhileOpen<T>(Task<T> task, CancellationToken cancellationToken)
    {
        var done = await Task.WhenAny(task, _closed.Task).WaitAsync(cancellationToken);
        return done == task ? await task : throw new WorkerCrashedException($"Worker {WorkerId} went away during the handshake (exit code {ExitCode}).");
    }

    private async Task WhileOpen(Task task, CancellationToken cancellationToken)
    {
        var done = await Task.WhenAny(task, _closed.Task).WaitAsync(cancellationToken);
        if (done != task)
        {
            throw new WorkerCrashedException($"Worker {WorkerId} exited before opening its stream (exit code {ExitCode}).");
        }
    }

    private void Close(WorkerCrashedException reason)
    {
        if (!_closed.TrySetResult())
        {
            return;
        }

        _outbound.Writer.TryComplete();
        foreach (var (_, invocation) in _invocations)
        {
            invocation.TrySetException(reason);
        }
    }

    private static int SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }

    private static string NewId() => Guid.NewGuid().ToString();
}
