using System.Collections.Concurrent;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Demand.Tooling.Host.Rpc;
using Microsoft.Extensions.Logging;

namespace Demand.Tooling.Host;

/// <summary>
/// A blobTrigger (<c>source: EventGrid</c>) fired locally: the container is listed for new or changed blobs
/// (Event Grid pushes BlobCreated in Azure; a POSTed event nudges a scan at once). Each blob version (name + ETag)
/// gets a receipt in <c>azure-webjobs-hosts/blobreceipts/…</c> once done, so a restart does not re-fire it; a
/// blob that fails <see cref="MaxAttempts"/> times is recorded in <c>webjobs-blobtrigger-poison</c>, as the Azure host does.
/// </summary>
internal sealed class BlobListener
{
    public const int MaxAttempts = 5;
    public const string ReceiptContainer = "azure-webjobs-hosts";
    public const string PoisonQueue = "webjobs-blobtrigger-poison";

    private readonly LocalFunctionsHost _host;
    private readonly HostedFunction _function;
    private readonly string _hostId;
    private readonly TimeSpan _pollingInterval;
    private readonly ILogger _logger;
    private readonly BindingPattern _pattern;
    private readonly BlobServiceClient _blobs;
    private readonly ConcurrentDictionary<string, byte> _receipted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _nudge = new(0);
    private readonly SemaphoreSlim _concurrency = new(8);

    public BlobListener(LocalFunctionsHost host, HostedFunction function, string hostId, TimeSpan pollingInterval)
    {
        _host = host;
        _function = function;
        _hostId = hostId;
        _pollingInterval = pollingInterval;
        _logger = host.LoggerFactory.CreateLogger("Demand.Tooling.Host.Blobs");
        _pattern = BindingPattern.Parse(BindingPattern.ResolveSettings(OutputWriter.BlobPath(function.TriggerBinding) ?? throw new InvalidDataException($"{function.Name} has no path."), host.Settings));
        _blobs = host.Storage.Blobs(function.TriggerBinding.Connection);
    }

    public HostedFunction Function => _function;

    public string Container => _pattern.Container;

    /// <summary>Scan now (an Event Grid BlobCreated event arrived).</summary>
    public void Nudge() => _nudge.Release();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var running = new List<Task>();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var blob in UnreceiptedAsync(cancellationToken))
                {
                    var key = Key(blob.Name, blob.Properties.ETag);
                    if (!_running.TryAdd(key, 0))
                    {
                        continue;
                    }

                    await _concurrency.WaitAsync(cancellationToken);
                    running.Add(Task.Run(() => ProcessAsync(blob, key, cancellationToken), CancellationToken.None));
                }

                running.RemoveAll(t => t.IsCompleted);
                await _nudge.WaitAsync(_pollingInterval, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception)
            {
                HostLog.ListenerFailed(_logger, exception, "blob", _function.Name);
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            }
        }

        await Task.WhenAll(running);
    }

    /// <summary>True while a matching blob has no receipt (not yet run, running, or failing and not yet poisoned).</summary>
    public async Task<bool> HasPendingAsync(CancellationToken cancellationToken)
    {
        if (!_running.IsEmpty)
        {
            return true;
        }

        await foreach (var _ in UnreceiptedAsync(cancellationToken))
        {
            return true;
        }

        return false;
    }

    private async IAsyncEnumerable<BlobItem> UnreceiptedAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var container = _blobs.GetBlobContainerClient(_pattern.Container);
        var receipts = _blobs.GetBlobContainerClient(ReceiptContainer);
        var pages = container.GetBlobsAsync(new GetBlobsOptions { Traits = BlobTraits.Metadata }, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await pages.MoveNextAsync())
                    {
                        yield break;
                    }
                }
                catch (RequestFailedException exception) when (exception.Status == 404)
                {
                    yield break; // No container yet: nothing to trigger on.
                }

                var blob = pages.Current;
                if (_pattern.Match(blob.Name) is null || blob.Properties.ETag is not { } etag)
                {
                    continue;
                }

                var key = Key(blob.Name, etag);
                if (_receipted.ContainsKey(key))
                {
                    continue;
                }

                if (await ReceiptExistsAsync(receipts, blob.Name, etag, cancellationToken))
                {
                    _receipted[key] = 0;
                    continue;
                }

                yield return blob;
            }
        }
        finally
        {
            await pages.DisposeAsync();
        }
    }

    private async Task ProcessAsync(BlobItem blob, string key, CancellationToken cancellationToken)
    {
        try
        {
            var values = new Dictionary<string, string>(_pattern.Match(blob.Name)!, StringComparer.OrdinalIgnoreCase);
            var blobTrigger = $"{_pattern.Container}/{blob.Name}";
            values["BlobTrigger"] = blobTrigger;
            var client = _blobs.GetBlobContainerClient(_pattern.Container).GetBlobClient(blob.Name);
            var request = new InvocationRequest();
            // Deferred binding: the worker opens the blob itself from this reference and the connection's settings.
            request.InputData.Add(new ParameterBinding
            {
                Name = _function.TriggerBinding.Name,
                Data = new TypedData { ModelBindingData = RpcValues.BlobBindingData(_function.TriggerBinding.Connection, _pattern.Container, blob.Name) },
            });
            request.TriggerMetadata["BlobTrigger"] = RpcValues.String(blobTrigger);
            request.TriggerMetadata["Uri"] = RpcValues.Json(client.Uri.ToString());
            request.TriggerMetadata["Properties"] = RpcValues.Json(new Dictionary<string, object?>
            {
                ["ContentLength"] = blob.Properties.ContentLength,
                ["ContentType"] = blob.Properties.ContentType,
                ["ETag"] = blob.Properties.ETag?.ToString(),
                ["LastModified"] = blob.Properties.LastModified,
                ["CreatedOn"] = blob.Properties.CreatedOn,
                ["BlobType"] = blob.Properties.BlobType?.ToString(),
            });
            request.TriggerMetadata["Metadata"] = RpcValues.Json(blob.Metadata ?? new Dictionary<string, string>());
            foreach (var (name, value) in _pattern.Match(blob.Name)!)
            {
                request.TriggerMetadata[name] = RpcValues.String(value);
            }

            var outcome = await _host.InvokeAsync(_function, request, values, cancellationToken);
            var etag = blob.Properties.ETag!.Value;
            if (outcome.Succeeded)
            {
                await WriteReceiptAsync(blob.Name, etag, outcome.InvocationId, poisoned: false);
                _receipted[key] = 0;
                _attempts.TryRemove(key, out _);
            }
            else if (_attempts.AddOrUpdate(key, 1, (_, n) => n + 1) >= MaxAttempts)
            {
                await PoisonAsync(blob.Name, etag, cancellationToken);
                // The receipt keeps a poisoned blob from being re-fired after a restart (only a new ETag fires again).
                await WriteReceiptAsync(blob.Name, etag, outcome.InvocationId, poisoned: true);
                _receipted[key] = 0;
                _attempts.TryRemove(key, out _);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            HostLog.ListenerFailed(_logger, exception, "blob", _function.Name);
        }
        finally
        {
            _running.TryRemove(key, out _);
            _concurrency.Release();
        }
    }

    private async Task<bool> ReceiptExistsAsync(BlobContainerClient receipts, string blobName, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            return (await receipts.GetBlobClient(ReceiptPath(blobName, etag)).ExistsAsync(cancellationToken)).Value;
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            return false;
        }
    }

    private async Task WriteReceiptAsync(string blobName, ETag etag, string invocationId, bool poisoned)
    {
        var receipts = _blobs.GetBlobContainerClient(ReceiptContainer);
        await receipts.CreateIfNotExistsAsync();
        var receipt = receipts.GetBlobClient(ReceiptPath(blobName, etag));
        await receipt.UploadAsync(BinaryData.FromString(string.Empty), new BlobUploadOptions
        {
            Metadata = new Dictionary<string, string> { ["InvocationId"] = invocationId, ["Poisoned"] = poisoned ? "true" : "false" },
        });
    }

    private async Task PoisonAsync(string blobName, ETag etag, CancellationToken cancellationToken)
    {
        var queue = _host.Storage.Queue(_function.TriggerBinding.Connection, PoisonQueue);
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var message = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
        {
            ["Type"] = "BlobTrigger",
            ["FunctionId"] = _function.FullName,
            ["BlobType"] = "BlockBlob",
            ["ContainerName"] = _pattern.Container,
            ["BlobName"] = blobName,
            ["ETag"] = etag.ToString(),
        });
        await queue.SendMessageAsync(OutputWriter.EncodeMessage(_host.HostJson, message), cancellationToken);
        HostLog.BlobPoisoned(_logger, _pattern.Container, blobName, etag.ToString(), MaxAttempts, _function.Name, PoisonQueue);
    }

    // The Azure host's receipt layout: blobreceipts/{hostId}/{functionFullName}/{etag}/{container}/{blobName}.
    private string ReceiptPath(string blobName, ETag etag) =>
        $"blobreceipts/{_hostId}/{_function.FullName}/{etag.ToString().Trim('"')}/{_pattern.Container}/{blobName}";

    private static string Key(string blobName, ETag? etag) => $"{blobName}\n{etag}";
}
