using Demand.Core.Identifiers;
using System.Diagnostics;
using System.Globalization;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Demand.Core.Ingestion;
using Demand.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Demand.Tooling;
using Demand.Tooling.Host;
using Demand.Tooling.Local;
using Demand.Tooling.Synthetic;
using Microsoft.Azure.Cosmos;

namespace Demand.Cli.Commands.Bench;

/// <summary>
/// <c>demand bench ingest --through-host</c>: one big JSONL part the way it runs deployed — uploaded to
/// <c>logs/m1/…</c> in Azurite, picked up by the local host, ingested by the real worker (BlobClient stream → hash +
/// parse + aggregate → merge every user into cosmosdb-server → report) — timed from the host's outcome and the
/// ingestion report, with the worker process's peak RSS; next to <see cref="LogIngestor"/> over the same file in this
/// process, before and after, so the ratio is of the same run.
/// </summary>
internal static class HostIngestBench
{
    private const string Merchant = "m1";
    private const double MiB = 1024 * 1024;

    public static async Task RunAsync(string folder, int users, int days, int megabytes, bool withScoring, CancellationToken cancellationToken)
    {
        var part = IngestBench.Concatenate(MarketWriter.Write(new MarketOptions { Users = users, Days = days, Seed = 1 }, Path.Combine(folder, "jsonl")), Path.Combine(folder, "part.jsonl"), header: false);
        var big = Path.Combine(folder, "big.jsonl");
        var copies = IngestBench.WriteCopies(part, big, megabytes * 1024L * 1024);
        var length = new FileInfo(big).Length;
        Console.WriteLine($"input: {length / MiB:N0} MiB JSONL ({copies} copies of a generated {users:N0}-user, {days}-day part, fresh event ids); bench process: {IngestBench.GcMode()}; {Load()}");

        // The in-process side does what the worker's IngestPart does before the merge: hash + parse + validate + dedupe +
        // aggregate in one pass (HashingStream under LogIngestor), default limits, one thread — reading a file instead of
        // a blob. Warmed on the small part first so the JIT has tiered up, as a worker that has ingested before would be.
        InProcess(part, "warm-up (one part)");
        var before = InProcess(big, "before host run");

        var nodeModules = RepoPaths.NodeModules();
        await using var cosmosServer = await LocalCosmosServer.StartAsync(nodeModules, cancellationToken);

        // Azurite keeps blobs in memory: room for the part plus the host's receipts and the output messages.
        await using var azurite = await AzuriteServer.StartAsync(nodeModules, (int)(length / MiB) + AzuriteServer.DefaultExtentMemoryLimitMiB, cancellationToken);
        var cosmosOptions = cosmosServer.Options("benchingest");
        var host = await LocalFunctionsHost.StartAsync(new LocalHostOptions
        {
            AppDirectory = CliPaths.DefaultAppRoot(),
            EnableTimerSchedules = false,
            HttpPort = 0,

            // The listener's poll stands in for Event Grid's push; a short interval keeps it out of the wall time.
            BlobPollingInterval = TimeSpan.FromMilliseconds(100),
            // A bench part may be larger than a merchant's (the limit protects a shared instance, not this measurement).
            Settings = BenchSettings.For(cosmosOptions, azurite.ConnectionString, ("Ingestion__MaxPartBytes", (16L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture))),
        }, cancellationToken);
        HostFigures figures;
        try
        {
            figures = await ThroughHostAsync(host, azurite, cosmosOptions, big, length, withScoring, cancellationToken);
        }
        finally
        {
            // Stops the worker before the second in-process run, and with it the ScoreUsers/MineReviews work the part fanned out
            // (not timed here: bench api and bench score measure scoring).
            await host.DisposeAsync();
        }

        var after = InProcess(big, "after host run");
        await StorageReadAsync(azurite, figures.BlobName, cancellationToken);
        var best = before.Seconds <= after.Seconds ? before : after;
        var report = figures.Report;
        var parseSeconds = report.ParseMilliseconds / 1000;
        var mergeSeconds = (report.TotalMilliseconds - report.ParseMilliseconds) / 1000;
        var invocationSeconds = figures.Outcome.Duration.TotalSeconds;
        Console.WriteLine($"  worker IngestLog    {report.Accepted / parseSeconds,12:N0} events/s  parse phase (blob read + hash + parse + aggregate) {parseSeconds:N2} s; {report.Accepted:N0} accepted, {report.Duplicates:N0} duplicates, {report.Rejected:N0} rejected, {report.UsersTouched:N0} users");
        Console.WriteLine($"                      merge phase ({report.UsersMerged:N0} users into cosmosdb-server, quarantine, report) {mergeSeconds:N2} s; report total {report.TotalMilliseconds / 1000:N2} s");
        Console.WriteLine($"                      invocation (host outcome Duration, incl. {report.ScoreMessages:N0} score + {report.MineMessages:N0} mine output messages) {invocationSeconds:N2} s = {report.Accepted / invocationSeconds:N0} events/s; upload-to-outcome wall {figures.UploadToOutcome.TotalSeconds:N2} s (upload itself {figures.Upload.TotalSeconds:N2} s)");
        Console.WriteLine($"                      worker CPU {figures.WorkerCpuSeconds:N2} s over the invocation; worker RSS idle {figures.IdleRssMiB:N0} MiB, peak (VmHWM) {figures.PeakRssMiB:N0} MiB (target ≤ 300 MB = {300e6 / MiB:N0} MiB); sampled VmRSS peak in the parse phase {figures.ParsePeakRssMiB:N0} MiB, in the merge phase {figures.MergePeakRssMiB:N0} MiB");
        Console.WriteLine($"  ratio worker/in-process (best of before/after): parse phase {report.Accepted / parseSeconds / best.EventsPerSecond:N2}× (target ≥ 0.8×), whole invocation {report.Accepted / invocationSeconds / best.EventsPerSecond:N2}×; {Load()}");
    }

    private sealed record HostFigures(string BlobName, InvocationOutcome Outcome, IngestionReport Report, TimeSpan Upload, TimeSpan UploadToOutcome, double IdleRssMiB, double PeakRssMiB, double ParsePeakRssMiB, double MergePeakRssMiB, double WorkerCpuSeconds);

    private sealed record InProcessRun(double Seconds, double EventsPerSecond);

    private static async Task<HostFigures> ThroughHostAsync(LocalFunctionsHost host, AzuriteServer azurite, CosmosOptions cosmosOptions, string file, long length, bool withScoring, CancellationToken cancellationToken)
    {
        var pid = host.WorkerProcessId ?? throw new InvalidOperationException("The host started no worker.");
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("logs");
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

        // Warm the worker as the in-process side is warmed: a small part (its own 100 users) through the same path, and
        // the ScoreUsers/MineReviews work it fans out, before anything is timed.
        var warmup = Path.Combine(Path.GetDirectoryName(file)!, "warmup");
        var warmupPart = IngestBench.Concatenate(MarketWriter.Write(new MarketOptions { Users = 100, Days = 28, Seed = 2 }, warmup), warmup + ".jsonl", header: false);
        await container.GetBlobClient($"{Merchant}/warmup.jsonl").UploadAsync(warmupPart, cancellationToken);
        var warm = await host.WaitForOutcomeAsync(o => o.FunctionName == "IngestLog", TimeSpan.FromMinutes(5), cancellationToken);
        await host.WaitForIdleAsync(TimeSpan.FromMinutes(5), cancellationToken);
        Console.WriteLine($"  worker warm-up part ({new FileInfo(warmupPart).Length / MiB:N1} MiB, 100 users): IngestLog {warm.Duration.TotalSeconds:N2} s, then idle");
        var idle = ReadStatus(pid, "VmRSS:");
        var cpuBefore = CpuSeconds(pid);
        Console.WriteLine($"  worker pid {pid}: idle RSS {idle:N0} MiB; uploading to logs/{Merchant}/… ({Load()})");

        // VmHWM is the kernel's own high-water mark, so polling only has to catch the worker before it exits; the poll
        // also keeps the last VmRSS for the record.
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var samples = new List<(DateTimeOffset At, double Rss)>();
        var sampler = Task.Run(async () =>
        {
            var peak = 0.0;
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, ReadStatus(pid, "VmHWM:"));
                samples.Add((DateTimeOffset.UtcNow, ReadStatus(pid, "VmRSS:")));
                await Task.Delay(25, CancellationToken.None);
            }

            return Math.Max(peak, ReadStatus(pid, "VmHWM:"));
        }, CancellationToken.None);

        var blob = container.GetBlobClient($"{Merchant}/bench-{length / (1 << 20)}mb.jsonl");
        var upload = Stopwatch.StartNew();
        await blob.UploadAsync(file, new BlobUploadOptions
        {
            TransferOptions = new StorageTransferOptions { InitialTransferSize = 8 << 20, MaximumTransferSize = 8 << 20, MaximumConcurrency = 4 },
        }, cancellationToken);
        upload.Stop();
        var uploaded = Stopwatch.StartNew();
        var outcome = await host.WaitForOutcomeAsync(o => o.FunctionName == "IngestLog" && o.InvocationId != warm.InvocationId, TimeSpan.FromMinutes(30), cancellationToken);
        uploaded.Stop();
        var cpu = CpuSeconds(pid) - cpuBefore;
        if (withScoring)
        {
            // The part's fan-out: every score-request message (ScoreUsers, concurrently up to host.json's queue batch and
            // the worker's Model:MaxConcurrentBatches) and the mining of its reviews, all sampled into the same peak.
            var fanOut = Stopwatch.StartNew();
            await host.WaitForIdleAsync(TimeSpan.FromMinutes(60), cancellationToken);
            fanOut.Stop();
            var scored = host.Outcomes.Where(o => o.FunctionName == "ScoreUsers").ToList();
            Console.WriteLine($"  fan-out: {scored.Count:N0} ScoreUsers invocations ({scored.Count(o => !o.Succeeded)} failed), {host.Outcomes.Count(o => o.FunctionName == "MineReviews"):N0} MineReviews, idle {fanOut.Elapsed.TotalSeconds:N1} s after IngestLog; worker peak RSS (VmHWM) through the fan-out {ReadStatus(pid, "VmHWM:"):N0} MiB (target ≤ 1 GB = {1e9 / MiB:N0} MiB)");
        }

        await sampling.CancelAsync();
        var peakRss = await sampler;
        if (!outcome.Succeeded)
        {
            throw new InvalidOperationException("IngestLog failed: " + outcome.Error);
        }

        using var client = CosmosClientFactory.Create(cosmosOptions);
        var cosmos = new DemandCosmos(client, cosmosOptions.DatabaseName);
        using var feed = cosmos.Insights.GetItemQueryIterator<IngestionReport>(
            // cosmosdb-server wants the partition key in the filter as well as in the options.
            new QueryDefinition("SELECT * FROM c WHERE c.merchantId = @merchant AND c.type = @type AND c.blobName = @blob")
                .WithParameter("@merchant", Merchant).WithParameter("@type", IngestionReport.DocumentType).WithParameter("@blob", Path.GetFileName(blob.Name)),
            requestOptions: new QueryRequestOptions { PartitionKey = DemandCosmos.MerchantKey(Merchant) });
        IngestionReport? report = null;
        while (feed.HasMoreResults && report is null)
        {
            report = (await feed.ReadNextAsync(cancellationToken)).FirstOrDefault();
        }

        _ = report ?? throw new InvalidOperationException("IngestLog succeeded but saved no ingestion report.");

        // Which phase the peak belongs to: the sampled VmRSS split at the end of the parse phase the report gives.
        var parseEnd = report.StartedAt.AddMilliseconds(report.ParseMilliseconds);
        var parsePeak = samples.Where(s => s.At <= parseEnd).Select(s => s.Rss).DefaultIfEmpty().Max();
        var mergePeak = samples.Where(s => s.At > parseEnd).Select(s => s.Rss).DefaultIfEmpty().Max();
        return new HostFigures(blob.Name, outcome, report, upload.Elapsed, uploaded.Elapsed, idle, peakRss, parsePeak, mergePeak, cpu);
    }

    /// <summary>
    /// The worker's two ways of reading a part, A/B in this process against the same Azurite blob: OpenReadAsync with a
    /// 4 MiB buffer read synchronously by the parser (before), and one streamed GET read ahead by
    /// <see cref="ReadAheadStream"/> (now) — the storage read alone, and under hash + parse + aggregate.
    /// </summary>
    private static async Task StorageReadAsync(AzuriteServer azurite, string blobName, CancellationToken cancellationToken)
    {
        var blob = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("logs").GetBlobClient(blobName);
        async Task<Stream> OpenRead() => await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = 4 << 20 }, cancellationToken);
        async Task<Stream> ReadAhead() => new ReadAheadStream((await blob.DownloadStreamingAsync(cancellationToken: cancellationToken)).Value.Content, 2 << 20, 3, cancellationToken);
        foreach (var (label, open) in new (string, Func<Task<Stream>>)[] { ("OpenReadAsync(4 MiB), sync reads", OpenRead), ("streamed GET + ReadAheadStream", ReadAhead) })
        {
            var buffer = new byte[256 * 1024];
            long total = 0;
            var watch = Stopwatch.StartNew();
            await using (var stream = await open())
            {
                int n;
                while ((n = stream.Read(buffer)) > 0)
                {
                    total += n;
                }
            }

            var readRate = total / MiB / watch.Elapsed.TotalSeconds;
            await using var content = await open();
            var run = IngestBench.Measure(() =>
            {
                using var hashing = new HashingStream(content);
                var outcome = new LogIngestor(LogMapping.Default, now: DateTimeOffset.UtcNow).Ingest(MerchantId.Parse(Merchant), "", blobName, hashing, total);
                hashing.DrainAndHash();
                return outcome.Report.Accepted;
            });
            Console.WriteLine($"  from Azurite in this process, {label,-34}: read alone {readRate,5:N0} MiB/s; hash + parse + aggregate {run.Events / run.Seconds,12:N0} events/s ({run.Seconds:N2} s); {Load()}");
        }
    }

    private static InProcessRun InProcess(string file, string label)
    {
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        var resetPeak = ResetPeakRss();
        using var stream = File.OpenRead(file);
        var run = IngestBench.Measure(() =>
        {
            using var hashing = new HashingStream(stream);
            var outcome = new LogIngestor(LogMapping.Default, now: DateTimeOffset.UtcNow).Ingest(MerchantId.Parse(Merchant), "", Path.GetFileName(file), hashing, stream.Length);
            hashing.DrainAndHash();
            return outcome.Report.Accepted;
        });
        var rate = run.Events / run.Seconds;
        Console.WriteLine($"  in-process {label,-18} {rate,12:N0} events/s wall  {run.Events / run.CpuSeconds,12:N0} events/CPU-s  ({run.Events:N0} events, {run.Seconds:N2} s; hash + parse + aggregate from a FileStream; peak RSS {(resetPeak ? "during this run" : "of the process")} {ReadStatus(Environment.ProcessId, "VmHWM:"):N0} MiB); {Load()}");
        return new InProcessRun(run.Seconds, rate);
    }

    /// <summary>The machine's load averages (1, 5, 15 min), as <c>uptime</c> prints them: every figure here is read against them.</summary>
    internal static string Load()
    {
        var fields = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ') : [];
        return fields.Length >= 3 ? $"load average {fields[0]}, {fields[1]}, {fields[2]}" : "load average unknown";
    }

    private static bool ResetPeakRss()
    {
        try
        {
            // Linux: writing 5 to clear_refs resets VmHWM, so the next reading covers only what follows.
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>A <c>/proc/&lt;pid&gt;/status</c> size field in MiB (0 once the process is gone).</summary>
    private static double ReadStatus(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(field.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) / 1024.0;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The worker exited: the last reading stands.
        }

        return 0;
    }

    /// <summary>User + system CPU seconds of a process, from <c>/proc/&lt;pid&gt;/stat</c> (fields 14 and 15, in clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");

        // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }
}
