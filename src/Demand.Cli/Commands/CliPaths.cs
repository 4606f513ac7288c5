using Demand.Infrastructure;

namespace Demand.Cli.Commands;

/// <summary>Default locations when the CLI runs from the repository's build output.</summary>
internal static class CliPaths
{
    /// <summary>The handler's build output (host.json + function folders + executable) for the CLI's own configuration.</summary>
    public static string DefaultAppRoot()
    {
        var root = RepoPaths.RepositoryRoot() ?? Directory.GetCurrentDirectory();
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        return Path.Combine(root, "src", "Demand.Functions", "bin", configuration, "net10.0");
    }

    public static string DefaultStateRoot() => Path.Combine(RepoPaths.RepositoryRoot() ?? Directory.GetCurrentDirectory(), ".demand");

    /// <summary>Values from a local.settings.json (its "Values" object), if the file exists.</summary>
    public static Dictionary<string, string?> LoadLocalSettings(string? path)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (path is null || !File.Exists(path))
        {
            return values;
        }

        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        if (doc.RootElement.TryGetProperty("Values", out var v))
        {
            foreach (var p in v.EnumerateObject())
            {
                values[p.Name] = p.Value.ToString();
            }
        }

        return values;
    }
}
