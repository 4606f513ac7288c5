namespace Demand.Tooling;

/// <summary>Finds the repository and its npm packages (cosmosdb-server, Azurite) for local runs and tests.</summary>
public static class RepoPaths
{
    /// <summary>
    /// DEMAND_NODE_MODULES, else the nearest <c>node_modules</c> beside a package.json walking up from
    /// <paramref name="start"/> (default: the app's base directory, then the current directory).
    /// </summary>
    public static string NodeModules(string? start = null)
    {
        var configured = Environment.GetEnvironmentVariable("DEMAND_NODE_MODULES");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        foreach (var from in start is null ? new[] { AppContext.BaseDirectory, Environment.CurrentDirectory } : [start])
        {
            for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "node_modules");
                if (Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "package.json")))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException($"No node_modules found above {start ?? AppContext.BaseDirectory}: run 'npm ci --ignore-scripts' at the repository root (scripts/setup.sh does), or set DEMAND_NODE_MODULES.");
    }

    /// <summary>The repository root (the folder holding Demand.sln) above <paramref name="start"/>, if any.</summary>
    public static string? RepositoryRoot(string? start = null)
    {
        for (var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Demand.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
