using Demand.Tooling.Host.Rpc;

namespace Demand.Tooling.Host;

/// <summary>
/// Writes a successful invocation's queue and blob outputs: <c>$return</c> from return_value, named bindings
/// from output_data; queue names and blob paths resolved from the trigger's values and app settings.
/// </summary>
internal static class OutputWriter
{
    public static async Task WriteAsync(LocalFunctionsHost host, HostedFunction function, InvocationResponse response, IReadOnlyDictionary<string, string> triggerValues, CancellationToken cancellationToken)
    {
        // Resolve every output first, so a bad binding expression fails the invocation before anything is written.
        var writes = new List<Func<Task>>();
        foreach (var binding in function.Outputs)
        {
            var value = binding.Name == "$return"
                ? response.ReturnValue
                : response.OutputData.FirstOrDefault(o => string.Equals(o.Name, binding.Name, StringComparison.OrdinalIgnoreCase))?.Data;
            // A null output (no value, or an empty TypedData) writes nothing, as in the Azure host.
            if (value is null || value.DataCase == TypedData.DataOneofCase.None)
            {
                continue;
            }

            switch (binding.Type.ToUpperInvariant())
            {
                case "QUEUE":
                    writes.Add(PlanQueue(host, binding, value, triggerValues, cancellationToken));
                    break;
                case "BLOB":
                    writes.Add(PlanBlob(host, binding, value, triggerValues, cancellationToken));
                    break;
                default:
                    // http is answered by the worker's own HTTP response; other kinds are not hosted here.
                    break;
            }
        }

        foreach (var write in writes)
        {
            await write();
        }
    }

    /// <summary>The blob path of a blob binding: [BlobOutput] writes <c>blobPath</c>, [BlobTrigger] writes <c>path</c>.</summary>
    public static string? BlobPath(FunctionBinding binding) => binding.Text("blobPath") ?? binding.Text("path");

    public static string EncodeMessage(HostJson hostJson, byte[] content) =>
        hostJson.QueueMessagesAreBase64 ? Convert.ToBase64String(content) : System.Text.Encoding.UTF8.GetString(content);

    private static Func<Task> PlanQueue(LocalFunctionsHost host, FunctionBinding binding, TypedData value, IReadOnlyDictionary<string, string> triggerValues, CancellationToken cancellationToken)
    {
        var queueName = BindingPattern.Resolve(binding.Text("queueName") ?? throw new InvalidDataException($"Queue output {binding.Name} has no queueName."), triggerValues, host.Settings).ToLowerInvariant();
        var messages = RpcValues.Messages(value).Select(m => EncodeMessage(host.HostJson, m)).ToList();
        var queue = host.Storage.Queue(binding.Connection, queueName);
        return async () =>
        {
            await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            foreach (var message in messages)
            {
                await queue.SendMessageAsync(message, cancellationToken);
            }
        };
    }

    private static Func<Task> PlanBlob(LocalFunctionsHost host, FunctionBinding binding, TypedData value, IReadOnlyDictionary<string, string> triggerValues, CancellationToken cancellationToken)
    {
        var path = BindingPattern.Resolve(BlobPath(binding) ?? throw new InvalidDataException($"Blob output {binding.Name} has no blobPath."), triggerValues, host.Settings);
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            throw new InvalidDataException($"Blob output path '{path}' has no container.");
        }

        var content = RpcValues.Content(value) ?? throw new InvalidDataException($"Blob output {binding.Name} got a {value.DataCase} value.");
        var container = host.Storage.Blobs(binding.Connection).GetBlobContainerClient(path[..slash]);
        return async () =>
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await container.GetBlobClient(path[(slash + 1)..]).UploadAsync(BinaryData.FromBytes(content), overwrite: true, cancellationToken);
        };
    }
}
