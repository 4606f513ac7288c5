using System.Collections.Concurrent;
using Demand.Tooling.Host.Rpc;
using Grpc.Core;

namespace Demand.Tooling.Host;

/// <summary>
/// The host's gRPC service: each worker process opens one EventStream and introduces itself with StartStream
/// {worker_id}; the stream is handed to the <see cref="WorkerConnection"/> that started that worker.
/// </summary>
internal sealed class FunctionRpcService(WorkerRegistry registry) : FunctionRpc.FunctionRpcBase
{
    public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken))
        {
            return;
        }

        var first = requestStream.Current;
        if (first.ContentCase != StreamingMessage.ContentOneofCase.StartStream)
        {
            throw new Grpc.Core.RpcException(new Status(StatusCode.InvalidArgument, "The first message must be StartStream."));
        }

        if (!registry.Workers.TryGetValue(first.StartStream.WorkerId, out var worker))
        {
            throw new Grpc.Core.RpcException(new Status(StatusCode.NotFound, $"Unknown worker id {first.StartStream.WorkerId}."));
        }

        await worker.RunStreamAsync(requestStream, responseStream, context.CancellationToken);
    }
}

/// <summary>The workers this host started, by the id passed on their command line.</summary>
internal sealed class WorkerRegistry
{
    public ConcurrentDictionary<string, WorkerConnection> Workers { get; } = new(StringComparer.Ordinal);
}
