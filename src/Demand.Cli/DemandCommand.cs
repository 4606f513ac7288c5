using System.CommandLine;
using Demand.Cli.Commands;

namespace Demand.Cli;

/// <summary>The <c>demand</c> command line: each feature contributes its sub-commands.</summary>
public static class DemandCommand
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Demand: per-user need profiles from merchant behaviour logs.");
        root.Subcommands.Add(HostCommand.Create());
        root.Subcommands.Add(TriggerCommand.Create());
        return root;
    }
}
