using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Demand.Hosting.Definitions;
using Demand.Hosting.Envelope;
using Demand.Hosting.Scheduling;
using Microsoft.Extensions.Logging;

namespace Demand.Cli.Host;

/// <summary>Where the stand-in finds the app and keeps its storage.</summary>
public sealed record LocalHostOptions
{
    /// <summary>Folder with host.json, one folder per function and the handler executable.</summary>
    public required string AppRoot { get; init; }

    /// <summary>Blob containers and queues live here (<c>&lt;root&gt;/&lt;container&gt;/…</c>, <c>&lt;root&gt;/queues/&lt;name&gt;</c>).</summary>
    public required string StorageRoot { get; init; }

    /// <summary>App settings passed to the handler as environment variables (as in local.settings.json "Values").</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>How often queues and the logs container are polled.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Run timers on their schedules (tests and <c>demand run</c> fire them on command instead).</summary>
    public bool EnableTimerSchedules { get; init; } = true;

    /// <summary>Overrides host.json's queue visibilityTimeout (the delay before a failed message is retried).</summary>
    public TimeSpan? RetryDelayOverride { get; init; }
}

/// <summary>
/// A local stand-in for the Azure Functions host, for exactly the bindings Demand's function.json files use:
/// blob trigger on a folder, durable disk queues with dequeue counts and poison queues, blob and queue
/// outputs, timers, and the handler process speaking the custom-handler contract through the shared codec.
/// </summary>
public sealed class LocalFunctionsHost : IAsyncDisposable
{
    public const string BlobPoisonQueue = "webjobs-blobtrigger-poison";
    public const string StorageAccountHost = "demandlocal.blob.core.windows.net";

    private readonly LocalHostOptions _options;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<string, DiskQueue> _queues = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private int _inFlight;
    private HandlerProcess? _handler;

    public LocalFunctionsHost(LocalHostOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("Demand.Host");
        Settings = HostSettings.Load(Path.Combine(options.AppRoot, "host.json"));
        Functions = FunctionDefinition.LoadAll(options.AppRoot);
    }

    public HostSettings Settings { get; }

    public IReadOnlyList<FunctionDefinition> Functions { get; }

    public Uri HandlerAddress => _handler?.BaseAddress ?? throw new InvalidOperationException("The handler is not running.");

    /// <summary>Invocations finished, by function and outcome (for summaries and tests).</summary>
    public ConcurrentDictionary<string, int> Counters { get; } = new(StringComparer.Ordinal);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_options.StorageRoot);
        _handler = await HandlerProcess.StartAsync(_options.AppRoot, Settings, _options.Settings, _loggerFactory.CreateLogger("Demand.Handler"), cancellationToken);
        foreach (var function in Functions)
        {
            var trigger = function.Trigger;
            switch (trigger.Type)
            {
                case "queueTrigger":
                    _loops.Add(Task.Run(() => QueueLoopAsync(function, trigger), CancellationToken.None));
                    break;
                case "blobTrigger":
                    _loops.Add(Task.Run(() => BlobLoopAsync(function, trigger), CancellationToken.None));
                    break;
                case "timerTrigger" when _options.EnableTimerSchedules:
                    _loops.Add(Task.Run(() => TimerLoopAsync(function, trigger), CancellationToken.None));
                    break;
            }
        }
    }

    public DiskQueue Queue(string name) => _queues.GetOrAdd(name, n => new DiskQueue(_options.StorageRoot, n, _instance));

    /// <summary>Puts a message on a queue, as a producer outside the app would.</summary>
    public void Enqueue(string queueName, string message) => Queue(queueName).Enqueue(message);

    /// <summary>Writes a blob atomically (temp file + rename), as an upload completes.</summary>
    public async Task UploadBlobAsync(string container, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var path = BlobPath(container, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = Path.Combine(_options.StorageRoot, ".uploads", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
        await File.WriteAllBytesAsync(temp, content, cancellationToken);
        File.Move(temp, path, overwrite: true);
    }

    public string BlobPath(string container, string name) => Path.Combine(_options.StorageRoot, container, SafeRelativePath(name));

    /// <summary>Invokes a function on command (the host's <c>POST /admin/functions/{name}</c>): timers fire, queue functions get <paramref name="input"/>.</summary>
    public async Task<bool> InvokeAsync(string functionName, string? input, CancellationToken cancellationToken)
    {
        var function = Functions.FirstOrDefault(f => f.Name.Equals(functionName, StringComparison.OrdinalIgnoreCase))
            ?? throw new KeyNotFoundException($"No function named '{functionName}'.");
        var trigger = function.Trigger;
        switch (trigger.Type)
        {
            case "timerTrigger":
                return await InvokeAndApplyAsync(function, HostPayloads.TimerTrigger(function.Name, trigger.Name, isPastDue: false), new Dictionary<string, string>(), cancellationToken);
            case "queueTrigger":
                Queue(trigger.QueueName!).Enqueue(input ?? "{}");
                return true;
            default:
                throw new InvalidOperationException($"{function.Name} ({trigger.Type}) cannot be invoked on command.");
        }
    }

    /// <summary>Queue lengths (poison queues included) and the number of invocations running.</summary>
    public HostStatus Status()
    {
        var queuesRoot = Path.Combine(_options.StorageRoot, "queues");
        var queues = Directory.Exists(queuesRoot)
            ? Directory.EnumerateDirectories(queuesRoot).ToDictionary(d => Path.GetFileName(d)!, d => Directory.EnumerateFiles(d, "*.msg").Count(), StringComparer.Ordinal)
            : new Dictionary<string, int>(StringComparer.Ordinal);
        return new HostStatus(queues, Volatile.Read(ref _inFlight), PendingBlobs(), new Dictionary<string, int>(Counters));
    }

    /// <summary>Waits until no non-poison message is queued, no blob awaits its trigger and nothing is running.</summary>
    public async Task WaitForIdleAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        var quietSince = (DateTimeOffset?)null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            var status = Status();
            var busy = status.InFlight > 0 || status.PendingBlobs > 0 ||
                status.Queues.Any(q => !q.Key.EndsWith("-poison", StringComparison.Ordinal) && q.Value > 0);
            if (!busy)
            {
                quietSince ??= DateTimeOffset.UtcNow;
                if (DateTimeOffset.UtcNow - quietSince > _options.PollInterval * 3)
                {
                    return;
                }
            }
            else
            {
                quietSince = null;
            }

            await Task.Delay(_options.PollInterval, cancellationToken);
        }

        throw new TimeoutException($"The host did not become idle within {timeout}.");
    }

    /// <summary>Forwards an /api request to the handler unchanged (enableProxyingHttpRequest).</summary>
    public async Task<HttpResponseMessage> ForwardAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.RequestUri = new Uri(HandlerAddress, request.RequestUri!.OriginalString);
        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private async Task QueueLoopAsync(FunctionDefinition function, BindingDefinition trigger)
    {
        var queue = Queue(trigger.QueueName!);
        var poison = Queue(trigger.QueueName + "-poison");
        var running = new List<Task>();
        var maxConcurrency = Settings.BatchSize + Settings.NewBatchThreshold;
        while (!_stopping.IsCancellationRequested)
        {
            running.RemoveAll(t => t.IsCompleted);
            var room = maxConcurrency - running.Count;
            var leased = room > 0 ? queue.Lease(Math.Min(room, Settings.BatchSize), Settings.FunctionTimeout) : [];
            foreach (var message in leased)
            {
                running.Add(Task.Run(() => ProcessQueueMessageAsync(function, trigger, queue, poison, message)));
            }

            if (leased.Count == 0)
            {
                await Delay(_options.PollInterval);
            }
        }

        await Task.WhenAll(running);
    }

    private async Task ProcessQueueMessageAsync(FunctionDefinition function, BindingDefinition trigger, DiskQueue queue, DiskQueue poison, StoredMessage message)
    {
        var info = new QueueMessageInfo(message.Id, message.DequeueCount, message.InsertionTime, message.InsertionTime.AddDays(7), message.NextVisibleTime, message.PopReceipt);
        var body = HostPayloads.QueueTrigger(function.Name, trigger.Name, message.Content, info);
        var ok = await InvokeAndApplyAsync(function, body, new Dictionary<string, string>(), _stopping.Token);
        if (ok)
        {
            queue.Complete(message);
        }
        else if (message.DequeueCount >= Settings.MaxDequeueCount)
        {
            _logger.LogWarning("Message {MessageId} on {Queue} failed {DequeueCount} times: moved to {PoisonQueue}", message.Id, queue.Name, message.DequeueCount, poison.Name);
            poison.Put(message);
            queue.Complete(message);
        }
        else
        {
            queue.Release(message, _options.RetryDelayOverride ?? Settings.VisibilityTimeout);
        }
    }

    private async Task BlobLoopAsync(FunctionDefinition function, BindingDefinition trigger)
    {
        var pattern = BlobPattern.Parse(trigger.Path!);
        var receipts = Path.Combine(_options.StorageRoot, "azure-webjobs-hosts", "blobreceipts", function.Name);
        var running = new Dictionary<string, Task>(StringComparer.Ordinal);
        while (!_stopping.IsCancellationRequested)
        {
            foreach (var done in running.Where(r => r.Value.IsCompleted).Select(r => r.Key).ToList())
            {
                running.Remove(done);
            }

            foreach (var (blobName, file) in ListBlobs(pattern.Container))
            {
                if (running.Count >= 2 || running.ContainsKey(blobName))
                {
                    continue;
                }

                var values = pattern.Match(blobName);
                if (values is null)
                {
                    continue;
                }

                var etag = ETagOf(file);
                var receiptFile = Path.Combine(receipts, SafeRelativePath(blobName) + ".receipt");
                var receipt = File.Exists(receiptFile) ? File.ReadAllText(receiptFile).Split(' ') : null;
                if (receipt is not null && receipt[0] == etag && (receipt[1] == "done" || receipt[1] == "poison"))
                {
                    continue;
                }

                var attempts = receipt is not null && receipt[0] == etag ? int.Parse(receipt[2], System.Globalization.CultureInfo.InvariantCulture) : 0;
                running[blobName] = Task.Run(() => ProcessBlobAsync(function, trigger, pattern.Container, blobName, file, values, etag, receiptFile, attempts));
            }

            await Delay(_options.PollInterval);
        }

        await Task.WhenAll(running.Values);
    }

    private async Task ProcessBlobAsync(FunctionDefinition function, BindingDefinition trigger, string container, string blobName, string file, IReadOnlyDictionary<string, string> values, string etag, string receiptFile, int attempts)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            var content = await File.ReadAllBytesAsync(file, _stopping.Token);
            var uri = new Uri($"https://{StorageAccountHost}/{container}/{string.Join('/', blobName.Split('/').Select(Uri.EscapeDataString))}");
            var info = new BlobInfo(uri, values, ContentTypeOf(blobName), File.GetLastWriteTimeUtc(file), etag);
            var body = HostPayloads.BlobTrigger(function.Name, trigger.Name, content, info);
            content = null;
            var ok = await InvokeAndApplyAsync(function, body, values, _stopping.Token);
            attempts++;
            Directory.CreateDirectory(Path.GetDirectoryName(receiptFile)!);
            if (ok)
            {
                await File.WriteAllTextAsync(receiptFile, $"{etag} done {attempts}", CancellationToken.None);
            }
            else if (attempts >= Settings.MaxDequeueCount)
            {
                _logger.LogWarning("Blob {Container}/{BlobName} failed {Attempts} times: poison message written to {PoisonQueue}", container, blobName, attempts, BlobPoisonQueue);
                Queue(BlobPoisonQueue).Enqueue(JsonSerializer.Serialize(new { FunctionId = "Host.Functions." + function.Name, BlobType = "BlockBlob", ContainerName = container, BlobName = blobName, ETag = etag }));
                await File.WriteAllTextAsync(receiptFile, $"{etag} poison {attempts}", CancellationToken.None);
            }
            else
            {
                await File.WriteAllTextAsync(receiptFile, $"{etag} failed {attempts}", CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task TimerLoopAsync(FunctionDefinition function, BindingDefinition trigger)
    {
        var schedule = CronSchedule.Parse(trigger.Schedule!);
        while (!_stopping.IsCancellationRequested)
        {
            var next = schedule.Next(DateTimeOffset.UtcNow);
            await Delay(next - DateTimeOffset.UtcNow);
            if (!_stopping.IsCancellationRequested)
            {
                await InvokeAndApplyAsync(function, HostPayloads.TimerTrigger(function.Name, trigger.Name, isPastDue: false), new Dictionary<string, string>(), _stopping.Token);
            }
        }
    }

    /// <summary>POSTs the invocation; on 2xx applies outputs per function.json, on anything else discards them.</summary>
    private async Task<bool> InvokeAndApplyAsync(FunctionDefinition function, byte[] body, IReadOnlyDictionary<string, string> patternValues, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _inFlight);
        var invocationId = Guid.NewGuid().ToString();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Settings.FunctionTimeout);
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(HandlerAddress, function.Name)) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Add("X-Azure-Functions-InvocationId", invocationId);
            request.Headers.Add("traceparent", $"00-{Guid.NewGuid():N}-{Guid.NewGuid().ToString("N")[..16]}-01");
            using var response = await _http.SendAsync(request, timeout.Token);
            var responseBody = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                _logger.LogWarning("{FunctionName} invocation {InvocationId} failed with {StatusCode}: outputs discarded", function.Name, invocationId, (int)response.StatusCode);
                Count(function.Name + ".failed");
                return false;
            }

            var parsed = HostOutputs.Parse(responseBody);
            foreach (var line in parsed.Logs)
            {
                _logger.LogInformation("{FunctionName}: {Log}", function.Name, line);
            }

            ApplyOutputs(function, parsed, patternValues);
            Count(function.Name + ".succeeded");
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvocationFormatException or JsonException && !_stopping.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "{FunctionName} invocation {InvocationId} failed", function.Name, invocationId);
            Count(function.Name + ".failed");
            return false;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private void ApplyOutputs(FunctionDefinition function, HostResponse response, IReadOnlyDictionary<string, string> patternValues)
    {
        foreach (var (name, value) in response.Outputs)
        {
            var binding = function.Outputs.FirstOrDefault(b => b.Name == name);
            if (binding is null)
            {
                // The real host ignores outputs it has no binding for; say so loudly, it is always a bug.
                _logger.LogError("{FunctionName} returned output {Output} that its function.json does not declare", function.Name, name);
                continue;
            }

            switch (binding.Type)
            {
                case "queue":
                    var queue = Queue(binding.QueueName!);
                    foreach (var message in HostOutputs.QueueMessages(value))
                    {
                        queue.Enqueue(Encoding.UTF8.GetString(message));
                    }

                    break;
                case "blob":
                    var path = BlobPattern.Parse(binding.Path!).Format(patternValues);
                    var file = BlobPath(path.Container, path.Name);
                    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                    File.WriteAllBytes(file, HostOutputs.BlobContent(value));
                    break;
            }
        }
    }

    private IEnumerable<(string Name, string File)> ListBlobs(string container)
    {
        var root = Path.Combine(_options.StorageRoot, container);
        if (!Directory.Exists(root))
        {
            return [];
        }

        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => (Path.GetRelativePath(root, f).Replace('\\', '/'), f))
            .OrderBy(b => b.Item1, StringComparer.Ordinal)
            .ToList();
    }

    private int PendingBlobs()
    {
        var pending = 0;
        foreach (var function in Functions.Where(f => f.Trigger.Type == "blobTrigger"))
        {
            var pattern = BlobPattern.Parse(function.Trigger.Path!);
            var receipts = Path.Combine(_options.StorageRoot, "azure-webjobs-hosts", "blobreceipts", function.Name);
            foreach (var (name, file) in ListBlobs(pattern.Container))
            {
                if (pattern.Match(name) is null)
                {
                    continue;
                }

                var receiptFile = Path.Combine(receipts, SafeRelativePath(name) + ".receipt");
                var receipt = File.Exists(receiptFile) ? File.ReadAllText(receiptFile).Split(' ') : null;
                if (receipt is null || receipt[0] != ETagOf(file) || receipt[1] == "failed")
                {
                    pending++;
                }
            }
        }

        return pending;
    }

    private static string ETagOf(string file)
    {
        var info = new FileInfo(file);
        return $"0x{info.LastWriteTimeUtc.Ticks:X}{info.Length:X}";
    }

    private static string ContentTypeOf(string name) =>
        name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? "application/gzip"
        : name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? "text/csv"
        : name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? "application/x-ndjson"
        : "application/octet-stream";

    /// <summary>Blob names come from outside: no rooted paths, no '..' segments.</summary>
    internal static string SafeRelativePath(string name)
    {
        var segments = name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0 || segments.Any(s => s is "." or ".."))
        {
            throw new ArgumentException($"Unsafe blob name '{name}'.", nameof(name));
        }

        return Path.Combine(segments);
    }

    private void Count(string key) => Counters.AddOrUpdate(key, 1, (_, n) => n + 1);

    private async Task Delay(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, _stopping.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Host loops did not stop within 10 s");
        }

        if (_handler is not null)
        {
            await _handler.DisposeAsync();
        }

        _http.Dispose();
        _stopping.Dispose();
    }
}

/// <summary>What the stand-in is doing.</summary>
public sealed record HostStatus(IReadOnlyDictionary<string, int> Queues, int InFlight, int PendingBlobs, IReadOnlyDictionary<string, int> Invocations);
