using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Demand.Cli.Host;
using Demand.Hosting.Envelope;
using Demand.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;

namespace Demand.Cli.Commands.Bench;

/// <summary>
/// <c>demand bench host</c>: (1) codec decode+encode of a 1 KB queue invocation vs a naive JsonDocument decode,
/// (2) 100 MB blob invocation decode time and peak managed memory, (3) invocation round trips through the real
/// handler process over HTTP (p50/p99, per second) vs a bare GET / round trip on the same connection pool.
/// </summary>
internal static class HostBench
{
    public static Command Create()
    {
        var iterations = new Option<int>("--iterations") { DefaultValueFactory = _ => 200_000 };
        var blobMegabytes = new Option<int>("--blob-mb") { DefaultValueFactory = _ => 100 };
        var roundTrips = new Option<int>("--round-trips") { DefaultValueFactory = _ => 2_000 };
        var command = new Command("host", "Codec and host round-trip benchmarks.") { iterations, blobMegabytes, roundTrips };
        command.SetAction(async (parse, ct) =>
        {
            Codec(parse.GetValue(iterations));
            Blob(parse.GetValue(blobMegabytes));
            await RoundTripsAsync(parse.GetValue(roundTrips), ct);
            return 0;
        });
        return command;
    }

    private static byte[] QueueBody()
    {
        var message = JsonSerializer.Serialize(new
        {
            merchantId = "m1",
            userIds = Enumerable.Range(0, 25).Select(i => "user-" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
            cause = "ingest",
            asOf = "2026-11-22T00:00:00Z",
        });
        return HostPayloads.QueueTrigger("ScoreUsers", "request", message, new QueueMessageInfo("id", 1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "pop"));
    }

    private static void Codec(int iterations)
    {
        var body = QueueBody();
        var outputs = Enumerable.Range(0, 3).Select(i => new { merchantId = "m1", userIds = new[] { "u" + i } }).ToArray();

        double Measure(Func<int> work)
        {
            for (var i = 0; i < 2_000; i++)
            {
                work();
            }

            var start = Stopwatch.GetTimestamp();
            var sink = 0;
            for (var i = 0; i < iterations; i++)
            {
                sink += work();
            }

            GC.KeepAlive(sink);
            return BenchStats.ElapsedMicroseconds(start) / iterations;
        }

        var ours = Measure(() =>
        {
            var request = InvocationRequest.Parse((byte[])body.Clone());
            var text = request.GetString("request")!;
            var dequeue = request.GetMetadataInt64("DequeueCount");
            return text.Length + (int)dequeue! + new InvocationResult().AddMessages("scoreQueue", outputs).Log("ok").ToUtf8Bytes().Length;
        });
        var naive = Measure(() =>
        {
            using var doc = JsonDocument.Parse((byte[])body.Clone());
            var text = JsonSerializer.Deserialize<string>(doc.RootElement.GetProperty("Data").GetProperty("request").GetString()!)!;
            var dequeue = long.Parse(doc.RootElement.GetProperty("Metadata").GetProperty("DequeueCount").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            var response = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
            {
                ["Outputs"] = new Dictionary<string, object> { ["scoreQueue"] = outputs },
                ["Logs"] = new[] { "ok" },
                ["ReturnValue"] = null,
            });
            return text.Length + (int)dequeue + response.Length;
        });

        Console.WriteLine($"codec: {body.Length} B queue invocation decode+encode: {ours:N2} µs/op (naive JsonDocument+Serialize baseline {naive:N2} µs/op, ratio {naive / ours:N2}×) over {iterations:N0} ops");
    }

    private static void Blob(int megabytes)
    {
        var blob = new byte[megabytes * 1024 * 1024];
        new Random(7).NextBytes(blob);
        var body = HostPayloads.BlobTrigger("IngestLog", "log", blob, new BlobInfo(new Uri("https://a.blob.core.windows.net/logs/m1/p.jsonl"), new Dictionary<string, string> { ["merchantId"] = "m1", ["name"] = "p.jsonl" }, "application/octet-stream", DateTimeOffset.UnixEpoch, "0x1"));
        blob = null;
        var size = (double)megabytes * 1024 * 1024;

        // Baseline: what a straightforward handler does — parse the body as a JsonDocument, then GetBytesFromBase64.
        var (naiveMs, naiveAllocated, naivePeak) = MeasureBlob(body, stream =>
        {
            using var doc = JsonDocument.Parse(stream);
            return doc.RootElement.GetProperty("Data").GetProperty("log").GetBytesFromBase64().Length;
        });
        var (oursMs, oursAllocated, oursPeak) = MeasureBlob(body, stream =>
        {
            var request = InvocationRequest.ReadAsync(stream, stream.Length, CancellationToken.None).GetAwaiter().GetResult();
            return request.GetBinary("log").Length;
        });

        Console.WriteLine($"blob: {megabytes} MB blob invocation ({body.Length / 1024.0 / 1024:N0} MB body) read+decoded in {oursMs:N0} ms ({size / 1024 / 1024 / (oursMs / 1000):N0} MB/s); " +
            $"managed allocations {oursAllocated / size:N2}× the blob, peak heap {oursPeak / size:N2}× (target ≤ 3×) — " +
            $"naive JsonDocument+GetBytesFromBase64 baseline {naiveMs:N0} ms, allocations {naiveAllocated / size:N2}×, peak heap {naivePeak / size:N2}×");
    }

    private static (double Milliseconds, double Allocated, double PeakHeap) MeasureBlob(byte[] body, Func<Stream, int> decode)
    {
        using var stream = new MemoryStream(body, writable: false);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long peak = 0;
        using var sampler = new Timer(_ => InterlockedMax(ref peak, GC.GetTotalMemory(false) - before), null, 0, 5);
        var start = Stopwatch.GetTimestamp();
        var length = decode(stream);
        var elapsed = Stopwatch.GetElapsedTime(start);
        InterlockedMax(ref peak, GC.GetTotalMemory(false) - before);
        if (length <= 0)
        {
            throw new InvalidOperationException("Nothing decoded.");
        }

        return (elapsed.TotalMilliseconds, GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore, peak);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while (value > (current = Interlocked.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private static async Task RoundTripsAsync(int count, CancellationToken cancellationToken)
    {
        await using var cosmosServer = await LocalCosmosServer.StartAsync(RepoPaths.NodeModules(), cancellationToken);
        var cosmos = cosmosServer.Options("bench");
        var storage = Directory.CreateTempSubdirectory("demand-bench-").FullName;
        await using var host = new LocalFunctionsHost(new LocalHostOptions
        {
            AppRoot = CliPaths.DefaultAppRoot(),
            StorageRoot = storage,
            EnableTimerSchedules = false,
            Settings = new Dictionary<string, string?>
            {
                ["Cosmos__Endpoint"] = cosmos.Endpoint!.ToString(),
                ["Cosmos__Key"] = cosmos.Key,
                ["Cosmos__DatabaseName"] = cosmos.DatabaseName,
                ["Cosmos__CreateIfNotExists"] = "true",
            },
        }, NullLoggerFactory.Instance);
        await host.StartAsync(cancellationToken);
        using var http = new HttpClient { BaseAddress = host.HandlerAddress };
        var body = QueueBody();

        async Task<List<double>> MeasureAsync(Func<Task> call)
        {
            for (var i = 0; i < 50; i++)
            {
                await call();
            }

            var samples = new List<double>(count);
            for (var i = 0; i < count; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await call();
                samples.Add(BenchStats.ElapsedMicroseconds(start));
            }

            return samples;
        }

        var invoke = await MeasureAsync(async () =>
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.PostAsync(new Uri("ScoreUsers", UriKind.Relative), content, cancellationToken);
            var reply = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            HostOutputs.Parse(reply);
        });
        var bare = await MeasureAsync(async () =>
        {
            using var response = await http.GetAsync(new Uri("/", UriKind.Relative), cancellationToken);
            await response.Content.ReadAsByteArrayAsync(cancellationToken);
        });

        var p50 = BenchStats.Percentile(invoke, 50);
        var p99 = BenchStats.Percentile(invoke, 99);
        Console.WriteLine($"round trip: {body.Length} B queue invocation host→handler→Cosmos→host: p50 {p50:N0} µs, p99 {p99:N0} µs, {1e6 / invoke.Average():N0}/s sequential " +
            $"(bare GET / baseline p50 {BenchStats.Percentile(bare, 50):N0} µs, p99 {BenchStats.Percentile(bare, 99):N0} µs) over {count:N0} calls");
        Directory.Delete(storage, recursive: true);
    }
}
