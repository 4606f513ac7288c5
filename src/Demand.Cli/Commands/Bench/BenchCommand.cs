using System.CommandLine;

namespace Demand.Cli.Commands.Bench;

/// <summary><c>demand bench …</c>: figures and ratios against a baseline measured in the same run.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Benchmarks: each prints figures next to a baseline run in the same process.");
        command.Subcommands.Add(ApiBench.Create());
        command.Subcommands.Add(HostBench.Create());
        command.Subcommands.Add(IngestBench.Create());
        command.Subcommands.Add(ScoreBench.Create());
        command.Subcommands.Add(MineBench.Create());
        command.Subcommands.Add(TrainBench.Create());
        return command;
    }
}
