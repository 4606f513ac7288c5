using Demand.Tooling;
using System.CommandLine;
using System.Diagnostics;
using System.Net;
using Demand.Tooling.Host;
using Demand.Tooling.Host.Rpc;
using Demand.Tooling.Local;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Demand.Cli.Commands.Bench;

/// <summary>
/// <c>demand bench host</c>: the local host's invocation round trip over gRPC (InvocationRequest → the worker runs a
/// no-op function → InvocationResponse; and the same through HTTP: front end → RpcHttp + forwarded request → worker)
/// next to a bare gRPC round trip of an empty StreamingMessage on the same stack, in the same run, with the ratio.
/// </summary>
internal static class HostBench
{
    public static Command Create()
    {
        var appRoot = new Option<string>("--app-root") { Description = "The Testing.Worker build output (it has the no-op functions QueueNoop and Ping).", DefaultValueFactory = _ => DefaultTestingWorker() };
        var count = new Option<int>("--invocations") { DefaultValueFactory = _ => 5_000, Description = "Sequential round trips measured per kind (after a warm-up)." };
        var concurrency = new Option<int>("--concurrency") { DefaultValueFactory = _ => 16, Description = "Concurrent callers for the throughput figures." };
        var command = new Command("host", "Local Functions host: invocation round trip through gRPC vs a bare gRPC round trip.") { appRoot, count, concurrency };
        command.SetAction(async (parse, ct) =>
        {
            await RunAsync(Path.GetFullPath(parse.GetValue(appRoot)!), parse.GetValue(count), parse.GetValue(concurrency), ct);
            return 0;
        });
        return command;
    }

    private static async Task RunAsync(string appRoot, int count, int concurrency, CancellationToken cancellationToken)
    {
        await using var azurite = await AzuriteServer.StartAsync(null, cancellationToken);
        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        await using var host = await LocalFunctionsHost.StartAsync(new LocalHostOptions
        {
            AppDirectory = appRoot,
            HttpPort = 0,
            EnableTimerSchedules = false,
            LoggerFactory = loggerFactory,
            Settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["Logging__LogLevel__Default"] = "Warning",
            },
        }, cancellationToken);
        await using var ping = await PingServer.StartAsync(cancellationToken);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2 }) { BaseAddress = host.HttpBaseAddress };
        var httpPath = new Uri($"{host.HostJson.RoutePrefix}/ping", UriKind.Relative);

        async Task Invoke(CancellationToken ct)
        {
            var outcome = await host.TriggerAsync("QueueNoop", "bench", ct);
            if (!outcome.Succeeded)
            {
                throw new InvalidOperationException("QueueNoop failed: " + outcome.Error);
            }
        }

        async Task Http(CancellationToken ct)
        {
            using var response = await http.GetAsync(httpPath, ct);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync(ct);
        }

        // Warm-up: JIT, connection pools, the worker's first invocation of each function.
        await MeasureAsync(Invoke, 500, 1, cancellationToken);
        await MeasureAsync(Http, 500, 1, cancellationToken);
        await MeasureAsync(ping.RoundTripAsync, 500, 1, cancellationToken);

        Console.WriteLine($"bench host: {count:N0} sequential round trips each, then {concurrency} concurrent callers (app {appRoot})");
        var bare = await MeasureAsync(ping.RoundTripAsync, count, 1, cancellationToken);
        var invocation = await MeasureAsync(Invoke, count, 1, cancellationToken);
        var viaHttp = await MeasureAsync(Http, count, 1, cancellationToken);
        Print("bare gRPC round trip (empty StreamingMessage)", bare);
        Print("invocation over gRPC (QueueNoop, admin-style)", invocation);
        Print("HTTP invocation (GET /api/ping via front end)", viaHttp);
        Console.WriteLine($"  ratio invocation / bare gRPC: p50 {invocation.P50 / bare.P50:N1}×, p99 {invocation.P99 / bare.P99:N1}×; HTTP / bare: p50 {viaHttp.P50 / bare.P50:N1}×");

        var bareConcurrent = await MeasureAsync(ping.RoundTripAsync, count, concurrency, cancellationToken);
        var invocationConcurrent = await MeasureAsync(Invoke, count, concurrency, cancellationToken);
        Print($"bare gRPC, {concurrency} concurrent", bareConcurrent);
        Print($"invocation over gRPC, {concurrency} concurrent", invocationConcurrent);
        Console.WriteLine($"  ratio throughput bare / invocation: {bareConcurrent.PerSecond / invocationConcurrent.PerSecond:N1}×");
    }

    private static void Print(string label, Latencies latencies) =>
        Console.WriteLine($"  {label,-48} p50 {latencies.P50:N3} ms  p99 {latencies.P99:N3} ms  {latencies.PerSecond:N0}/s");

    private static async Task<Latencies> MeasureAsync(Func<CancellationToken, Task> call, int count, int concurrency, CancellationToken cancellationToken)
    {
        var samples = new double[count];
        var next = -1;
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var start = Stopwatch.GetTimestamp();
                await call(cancellationToken);
                samples[i] = BenchStats.ElapsedMicroseconds(start);
            }
        }));
        wall.Stop();
        return new Latencies([.. samples], wall.Elapsed.TotalSeconds);
    }

    private static string DefaultTestingWorker()
    {
        var root = RepoPaths.RepositoryRoot() ?? Directory.GetCurrentDirectory();
        return Path.Combine(root, "tests", "Demand.Testing.Worker", "bin", "Release", "net10.0");
    }

    private sealed record Latencies(List<double> Samples, double Seconds)
    {
        public double P50 => BenchStats.Percentile(Samples, 50) / 1000;

        public double P99 => BenchStats.Percentile(Samples, 99) / 1000;

        public double PerSecond => Samples.Count / Seconds;
    }

    /// <summary>
    /// The baseline: a Kestrel HTTP/2 server with the same FunctionRpc service shape answering each StreamingMessage
    /// with an empty one, and one open EventStream per caller — gRPC framing and protobuf without a worker.
    /// </summary>
    private sealed class PingServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly GrpcChannel _channel;
        private readonly Lock _lock = new();
        private readonly Stack<AsyncDuplexStreamingCall<StreamingMessage, StreamingMessage>> _streams = new();

        private PingServer(WebApplication app, GrpcChannel channel)
        {
            _app = app;
            _channel = channel;
        }

        public static async Task<PingServer> StartAsync(CancellationToken cancellationToken)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
            builder.Services.AddGrpc();
            var app = builder.Build();
            app.MapGrpcService<EchoService>();
            await app.StartAsync(cancellationToken);
            var channel = GrpcChannel.ForAddress(app.Urls.First());
            return new PingServer(app, channel);
        }

        public async Task RoundTripAsync(CancellationToken cancellationToken)
        {
            AsyncDuplexStreamingCall<StreamingMessage, StreamingMessage>? call;
            lock (_lock)
            {
                _streams.TryPop(out call);
            }

            call ??= new FunctionRpc.FunctionRpcClient(_channel).EventStream(cancellationToken: CancellationToken.None);
            await call.RequestStream.WriteAsync(new StreamingMessage { StartStream = new StartStream() }, cancellationToken);
            if (!await call.ResponseStream.MoveNext(cancellationToken))
            {
                throw new InvalidOperationException("The ping stream ended.");
            }

            lock (_lock)
            {
                _streams.Push(call);
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var call in _streams)
            {
                call.Dispose();
            }

            _channel.Dispose();
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }

    private sealed class EchoService : FunctionRpc.FunctionRpcBase
    {
        public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
        {
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                await responseStream.WriteAsync(new StreamingMessage { RequestId = requestStream.Current.RequestId }, context.CancellationToken);
            }
        }
    }
}
