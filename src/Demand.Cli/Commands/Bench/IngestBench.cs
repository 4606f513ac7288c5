using System.CommandLine;
using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using Demand.Core.Ingestion;
using Demand.Core.Synthetic;

namespace Demand.Cli.Commands.Bench;

/// <summary>
/// <c>demand bench ingest</c>: parse + validate + aggregate events/s on one core for generated JSONL, CSV and gzip
/// parts, next to a naive baseline in the same process (System.Text.Json deserialise per line + LINQ GroupBy).
/// </summary>
internal static class IngestBench
{
    public static Command Create()
    {
        var users = new Option<int>("--users") { DefaultValueFactory = _ => 10_000 };
        var days = new Option<int>("--days") { DefaultValueFactory = _ => 42 };
        var command = new Command("ingest", "Ingestion throughput vs a naive baseline.") { users, days };
        command.SetAction(parse =>
        {
            var folder = Directory.CreateTempSubdirectory("demand-bench-ingest-").FullName;
            try
            {
                Run(folder, parse.GetValue(users), parse.GetValue(days));
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }

            return 0;
        });
        return command;
    }

    private sealed record NaiveEvent(string? EventId, string UserId, string Type, DateTimeOffset Timestamp, string? CategoryId, decimal? Price);

    private static void Run(string folder, int users, int days)
    {
        var options = new MarketOptions { Users = users, Days = days, Seed = 1 };
        var jsonl = Concatenate(MarketWriter.Write(options, Path.Combine(folder, "jsonl")), Path.Combine(folder, "all.jsonl"), header: false);
        var csv = Concatenate(MarketWriter.Write(options, Path.Combine(folder, "csv"), csv: true), Path.Combine(folder, "all.csv"), header: true);
        var gz = Path.Combine(folder, "all.jsonl.gz");
        using (var input = File.OpenRead(jsonl))
        using (var output = new GZipStream(File.Create(gz), CompressionLevel.Fastest))
        {
            input.CopyTo(output);
        }

        var now = DateTimeOffset.UtcNow.AddYears(1);
        var limits = new ValidationLimits { MaxAge = TimeSpan.FromDays(3650) };
        Console.WriteLine($"input: {new FileInfo(jsonl).Length / 1024.0 / 1024:N0} MiB JSONL, {new FileInfo(csv).Length / 1024.0 / 1024:N0} MiB CSV, {new FileInfo(gz).Length / 1024.0 / 1024:N0} MiB gzip; single thread, streamed from disk");
        double Ours(string file, string label)
        {
            using var stream = File.OpenRead(file);
            var (seconds, peak, events) = Measure(() => new LogIngestor(LogMapping.Default, limits, now).Ingest("m1", "bench", file, stream, stream.Length).Report.Accepted);
            Console.WriteLine($"  demand {label,-6} {events / seconds,12:N0} events/s  ({events:N0} events in {seconds:N2} s, peak managed heap growth {peak / 1024.0 / 1024:N0} MiB)");
            return events / seconds;
        }

        // Warm-up: let the JIT tier up the hot paths before anything is timed.
        Ours(csv, "warmup");
        var jsonRate = Ours(jsonl, "jsonl");
        Ours(csv, "csv");
        Ours(gz, "gzip");
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var (naiveSeconds, naivePeak, naiveEvents) = Measure(() =>
        {
            var events = File.ReadLines(jsonl).Select(l => JsonSerializer.Deserialize<NaiveEvent>(l, web)!).ToList();
            var aggregates = events.GroupBy(e => (e.UserId, e.CategoryId, e.Type)).Select(g => (g.Key, Count: g.Count(), Last: g.Max(e => e.Timestamp))).ToList();
            return aggregates.Count > 0 ? events.Count : 0;
        });
        Console.WriteLine($"  naive  jsonl  {naiveEvents / naiveSeconds,12:N0} events/s  ({naiveEvents:N0} events in {naiveSeconds:N2} s, peak managed heap growth {naivePeak / 1024.0 / 1024:N0} MiB)");
        Console.WriteLine($"  ratio demand/naive (jsonl): {jsonRate / (naiveEvents / naiveSeconds):N2}×; process peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024:N0} MiB");
    }

    private static (double Seconds, long PeakHeapGrowth, long Events) Measure(Func<long> work)
    {
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        var before = GC.GetTotalMemory(true);
        long peak = 0;
        using var sampler = new Timer(_ => Interlocked.Exchange(ref peak, Math.Max(Interlocked.Read(ref peak), GC.GetTotalMemory(false) - before)), null, 0, 10);
        var watch = Stopwatch.StartNew();
        var events = work();
        var seconds = watch.Elapsed.TotalSeconds;
        return (seconds, Math.Max(peak, GC.GetTotalMemory(false) - before), events);
    }

    private static string Concatenate(WriteSummary summary, string target, bool header)
    {
        using var output = File.Create(target);
        var first = true;
        foreach (var file in summary.Files)
        {
            using var input = File.OpenRead(file);
            if (header && !first)
            {
                while (input.ReadByte() is not ('\n' or -1))
                {
                }
            }

            input.CopyTo(output);
            first = false;
        }

        return target;
    }
}
