using System.CommandLine;
using Demand.Cli.Commands;
using Demand.Cli.Commands.Bench;

namespace Demand.Cli;

/// <summary>The <c>demand</c> command line: each feature contributes its sub-commands.</summary>
public static class DemandCommand
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Demand: per-user need profiles from merchant behaviour logs.");
        root.Subcommands.Add(HostCommand.Create());
        root.Subcommands.Add(TriggerCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(PublishCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(TrainingCommands.ExportTraining());
        root.Subcommands.Add(TrainingCommands.Evaluate());
        root.Subcommands.Add(MerchantsCommand.Create());
        root.Subcommands.Add(EvaluateMinerCommand.Create());
        root.Subcommands.Add(MinerTrainingCommand.Create());
        root.Subcommands.Add(MineCommand.Create());
        root.Subcommands.Add(MappingsCommand.Create());
        root.Subcommands.Add(UploadCommand.Create());
        return root;
    }
}
