namespace Demand.Infrastructure;

/// <summary>Finds the repository's npm packages (cosmosdb-server) for local runs and tests.</summary>
public static class RepoPaths
{
    /// <summary>The nearest <c>node_modules</c> walking up from <paramref name="start"/> (default: the app's base directory), or DEMAND_NODE_MODULES.</summary>
    public static string NodeModules(string? start = null)
    {
        var configured = Environment.GetEnvironmentVariable("DEMAND_NODE_MODULES");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "node_modules");
            if (Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "package.json")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("No node_modules found above " + (start ?? AppContext.BaseDirectory) + ": run 'npm ci' at the repository root, or set DEMAND_NODE_MODULES.");
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
