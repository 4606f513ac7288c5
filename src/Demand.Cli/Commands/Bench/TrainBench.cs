using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Demand.Core.Identifiers;
using Demand.Core.Ingestion;
using Demand.Core.Scoring;
using Demand.Core.Storage;
using Demand.Infrastructure;
using Demand.Infrastructure.Onnx;
using Demand.Tooling;
using Demand.Tooling.Synthetic;

namespace Demand.Cli.Commands.Bench;

/// <summary>
/// <c>demand bench train</c>: one merchant's weekly training as <c>TrainMerchant</c> runs it — the same history reader
/// (<see cref="TrainingHistory"/>: shopper sampling, history window, collapsed early days) and the same
/// <see cref="MerchantTraining"/> (cutoffs, fits, back-test, gate, refit) plus the ONNX export of the winner — on a
/// generated merchant, timed with its peak memory, next to a baseline that only reads, parses and validates the same
/// parts and builds nothing.
/// Each phase runs in its own process, so each peak (the kernel's VmHWM) is that phase's alone.
/// </summary>
internal static class TrainBench
{
    private const string Merchant = "m1";

    public static Command Create()
    {
        var users = new Option<int>("--users") { Description = "Shoppers of the generated merchant.", DefaultValueFactory = _ => 100_000 };
        var days = new Option<int>("--days") { Description = "Days of logs.", DefaultValueFactory = _ => 42 };
        var logs = new Option<string?>("--logs") { Description = "Use this merchant folder (yyyy-MM-dd/<part>) instead of generating one." };
        var maxShoppers = new Option<int>("--max-shoppers") { Description = "Training__MaxShoppers.", DefaultValueFactory = _ => 10_000 };
        var maxHistory = new Option<int>("--max-history-days") { Description = "Training__MaxHistoryDays.", DefaultValueFactory = _ => 120 };
        var maxRows = new Option<int>("--max-training-rows") { Description = "Training__MaxTrainingRows.", DefaultValueFactory = _ => 200_000 };
        var phase = new Option<string?>("--phase") { Hidden = true };
        var command = new Command("train", "Per-merchant training (TrainMerchant's reader, fits, gate, export): time and peak memory vs reading the parts only.")
        {
            users, days, logs, maxShoppers, maxHistory, maxRows, phase,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new Settings(parse.GetValue(maxShoppers), parse.GetValue(maxHistory), parse.GetValue(maxRows));
            if (parse.GetValue(phase) is { } only)
            {
                // A child process: one phase, its figures as one JSON line.
                var figures = only == "read" ? await ReadOnlyAsync(parse.GetValue(logs)!, cancellationToken) : await TrainAsync(parse.GetValue(logs)!, settings, long.Parse(only["train:".Length..], CultureInfo.InvariantCulture), cancellationToken);
                Console.WriteLine(JsonSerializer.Serialize(figures with { PeakRssMiB = Status("VmHWM:") }));
                return 0;
            }

            return await RunAsync(parse.GetValue(users), parse.GetValue(days), parse.GetValue(logs), settings, cancellationToken);
        });
        return command;
    }

    private sealed record Settings(int MaxShoppers, int MaxHistoryDays, int MaxTrainingRows);

    private sealed record Figures(double Seconds, long Shoppers, long Events, double PeakRssMiB, double ReadSeconds = 0, int Days = 0, double Keep = 1, int TrainingPairs = 0, int SampledOutPairs = 0, int BackTestBuyers = 0, string Winner = "", int OnnxBytes = 0, double ReadPeakRssMiB = 0, double ReadLiveMiB = 0);

    private static async Task<int> RunAsync(int users, int days, string? logs, Settings settings, CancellationToken cancellationToken)
    {
        string? generated = null;
        if (logs is null)
        {
            generated = Directory.CreateTempSubdirectory("demand-bench-train-").FullName;
            var watch = Stopwatch.StartNew();
            MarketWriter.Write(new MarketOptions { Users = users, Days = days, Seed = 5 }, generated, gzip: true);
            logs = Path.Combine(generated, "logs", Merchant);
            Console.WriteLine($"generated {users:N0} shoppers × {days} days (gzip JSON lines, {Size(logs) / (1 << 20):N0} MiB) in {watch.Elapsed.TotalSeconds:N0} s");
        }

        try
        {
            Console.WriteLine($"merchant logs: {logs}; bounds: Training__MaxShoppers {settings.MaxShoppers:N0}, MaxHistoryDays {settings.MaxHistoryDays}, MaxTrainingRows {settings.MaxTrainingRows:N0}; one process per phase ({Load()})");
            var read = await ChildAsync(["--phase", "read", "--logs", logs], cancellationToken);
            Console.WriteLine($"  baseline: read + parse + validate, keep nothing   {read.Seconds,7:N1} s   peak RSS {read.PeakRssMiB,6:N0} MiB   ({read.Events:N0} events, {read.Shoppers:N0} shoppers)");
            var train = await ChildAsync(["--phase", $"train:{read.Shoppers}", "--logs", logs, "--max-shoppers", Text(settings.MaxShoppers), "--max-history-days", Text(settings.MaxHistoryDays), "--max-training-rows", Text(settings.MaxTrainingRows)], cancellationToken);
            Console.WriteLine($"  TrainMerchant's training (read + fit + gate + export) {train.Seconds,7:N1} s   peak RSS {train.PeakRssMiB,6:N0} MiB   ({Load()})");
            Console.WriteLine($"    read + parse + sample: {train.ReadSeconds:N1} s, peak RSS {train.ReadPeakRssMiB:N0} MiB, live after it {train.ReadLiveMiB:N0} MiB ({train.Days} days kept, shoppers sampled to {train.Keep:P0} = ~{train.Keep * train.Shoppers:N0}); build + fit + back-test + refit + export: {train.Seconds - train.ReadSeconds:N1} s");
            Console.WriteLine($"    {train.TrainingPairs:N0} training pairs ({train.SampledOutPairs:N0} sampled out), {train.BackTestBuyers:N0} back-test buyers; served: {train.Winner} ({train.OnnxBytes:N0} B ONNX)");
            Console.WriteLine($"  ratios: training / reading time {train.Seconds / read.Seconds:N2}×, peak RSS {train.PeakRssMiB / read.PeakRssMiB:N2}×; peak RSS is {train.PeakRssMiB / 2048:P0} of a 2 GB Flex Consumption instance");
            return 0;
        }
        finally
        {
            if (generated is not null)
            {
                Directory.Delete(generated, recursive: true);
            }
        }
    }

    /// <summary>The floor: every part read, decompressed and parsed by the same ingestor, nothing kept but a count of shoppers.</summary>
    private static async Task<Figures> ReadOnlyAsync(string logs, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var archive = new DirectoryLogArchive(logs);
        var merchant = MerchantId.Parse(Merchant);
        var shoppers = new HashSet<string>(StringComparer.Ordinal);
        var rows = 0L;
        var set = new TrainingSet(u =>
        {
            // Called once for every valid row, before any state is built: count it, keep nothing.
            rows++;
            shoppers.Add(u);
            return false;
        });
        foreach (var name in await archive.ListAsync(merchant, cancellationToken))
        {
            if (name.Length < 11 || !DateOnly.TryParseExact(name[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                continue;
            }

            set.AddPart(day, merchant, await archive.ReadAsync(merchant, name, cancellationToken), LogMapping.Default);
        }

        return new Figures(watch.Elapsed.TotalSeconds, shoppers.Count, rows, 0);
    }

    private static async Task<Figures> TrainAsync(string logs, Settings settings, long shoppers, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var merchant = MerchantId.Parse(Merchant);
        var options = new MerchantTrainingOptions { MaxTrainingRows = settings.MaxTrainingRows };
        var history = await TrainingHistory.LoadAsync(new DirectoryLogArchive(logs), merchant, LogMapping.Default, shoppers, settings.MaxShoppers, settings.MaxHistoryDays, options, cancellationToken);
        var readSeconds = watch.Elapsed.TotalSeconds;
        var readPeak = Status("VmHWM:");
        // Live objects after the read (a full collection): what the history itself holds, without the GC's slack.
        var readLive = GC.GetTotalMemory(forceFullCollection: true) / (double)(1 << 20);
        using var global = OnnxModel.Load(File.ReadAllBytes(Path.Combine(RepoPaths.RepositoryRoot() ?? ".", "models", "demand-mlp.onnx")), PairFeatures.Names, PairFeatures.Version);
        var result = MerchantTraining.Run(history.Logs, Merchant, history.HistoryEnd, global.Score, "global model (" + global.Version + ")", null, options);
        var winner = result.Decision.Winner;
        var onnx = winner.Linear is { } linear ? LinearOnnxExporter.Export(linear, "bench") : [];
        return new Figures(watch.Elapsed.TotalSeconds, shoppers, history.Logs.Accepted, 0, readSeconds, history.Logs.Days.Count, history.Keep, result.TrainingRows, result.SampledOutRows, result.BackTestBuyers, winner.Name, onnx.Length, readPeak, readLive);
    }

    private static async Task<Figures> ChildAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        // The app's own GC setting (infra/modules/functionapp.bicep), unless the caller chose another.
        start.Environment.TryAdd("DOTNET_GCgen0size", "0x4000000");
        start.ArgumentList.Add(typeof(TrainBench).Assembly.Location);
        foreach (var argument in (string[])["bench", "train", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start)!;
        var output = await child.StandardOutput.ReadToEndAsync(cancellationToken);
        await child.WaitForExitAsync(cancellationToken);
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (child.ExitCode != 0 || last is null || !last.StartsWith('{'))
        {
            throw new InvalidOperationException($"bench phase {string.Join(' ', arguments)} failed (exit {child.ExitCode}): {output}");
        }

        return JsonSerializer.Deserialize<Figures>(last)!;
    }

    private static double Status(string field) =>
        File.ReadLines("/proc/self/status").Where(l => l.StartsWith(field, StringComparison.Ordinal))
            .Select(l => double.Parse(l[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024).FirstOrDefault();

    private static string Load() => "load average " + File.ReadAllText("/proc/loadavg").Split(' ')[0];

    private static long Size(string folder) => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A merchant's folder of day sub-folders read as the log archive (names <c>yyyy-MM-dd/&lt;part&gt;</c>, in name order).</summary>
    private sealed class DirectoryLogArchive(string folder) : ILogArchive
    {
        public Task<IReadOnlyList<string>> ListAsync(MerchantId merchantId, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<string>>([.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
                .Order(StringComparer.Ordinal)]);

        public Task<byte[]> ReadAsync(MerchantId merchantId, string name, CancellationToken cancellationToken) =>
            File.ReadAllBytesAsync(Path.Combine(folder, name), cancellationToken);
    }
}
