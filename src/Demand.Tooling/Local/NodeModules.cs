namespace Demand.Tooling.Local;

/// <summary>Finds the repository's npm packages (Azurite) for local runs and tests.</summary>
public static class NodeModules
{
    /// <summary>
    /// DEMAND_NODE_MODULES, else the nearest <c>node_modules</c> next to a package.json walking up from the app's
    /// base directory, then from the current directory.
    /// </summary>
    public static string Find()
    {
        var configured = Environment.GetEnvironmentVariable("DEMAND_NODE_MODULES");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "node_modules");
                if (Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "package.json")))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException($"No node_modules found above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}: run 'npm ci --ignore-scripts' at the repository root (scripts/setup.sh does), or set DEMAND_NODE_MODULES.");
    }
}
