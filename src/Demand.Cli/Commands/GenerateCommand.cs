using System.CommandLine;
using System.Diagnostics;
using Demand.Tooling.Synthetic;

namespace Demand.Cli.Commands;

/// <summary><c>demand generate</c>: a deterministic synthetic market as daily log parts plus ground truth.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output folder (gets logs/ and truth/).", DefaultValueFactory = _ => "generated" };
        var users = new Option<int>("--users") { DefaultValueFactory = _ => 2_000 };
        var days = new Option<int>("--days") { DefaultValueFactory = _ => 28 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 42 };
        var merchant = new Option<string>("--merchant") { DefaultValueFactory = _ => "m1" };
        var start = new Option<string>("--start") { Description = "First day (yyyy-MM-dd).", DefaultValueFactory = _ => "2026-09-01" };
        var activity = new Option<double>("--activity") { Description = "Multiplies every user's visit rate.", DefaultValueFactory = _ => 1.0 };
        var gzip = new Option<bool>("--gzip");
        var format = new Option<string>("--format") { Description = "jsonl or csv", DefaultValueFactory = _ => "jsonl" };
        var layout = new Option<string>("--layout") { Description = "default or taobao", DefaultValueFactory = _ => "default" };
        var command = new Command("generate", "Generate a synthetic market: daily log parts and ground-truth labels.") { output, users, days, seed, merchant, start, activity, gzip, format, layout };
        command.SetAction(parse =>
        {
            var options = new MarketOptions
            {
                Users = parse.GetValue(users),
                Days = parse.GetValue(days),
                Seed = parse.GetValue(seed),
                MerchantId = parse.GetValue(merchant)!,
                Start = DateOnly.ParseExact(parse.GetValue(start)!, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                Activity = parse.GetValue(activity),
            };
            var watch = Stopwatch.StartNew();
            var summary = MarketWriter.Write(options, parse.GetValue(output)!, parse.GetValue(gzip), parse.GetValue(format) == "csv",
                parse.GetValue(layout) == "taobao" ? SyntheticLayout.Taobao : SyntheticLayout.Default);
            Console.WriteLine($"{summary.Events:N0} events ({summary.Reviews:N0} reviews) in {summary.Parts} daily parts, {summary.Bytes / 1024.0 / 1024:N1} MiB, {watch.Elapsed.TotalSeconds:N1} s ({summary.Events / watch.Elapsed.TotalSeconds:N0} events/s) → {Path.GetFullPath(parse.GetValue(output)!)}");
            return 0;
        });
        return command;
    }
}
