using Demand.Tooling;
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

    /// <summary>local.settings.json Values as the host's app settings (null values dropped).</summary>
    public static Dictionary<string, string> LoadHostSettings(string? path) =>
        LoadLocalSettings(path).Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Makes sure AzureWebJobsStorage points at storage: <paramref name="connection"/> if given, else the settings'
    /// value unless it is UseDevelopmentStorage=true (fixed ports we do not run), else a fresh in-memory Azurite.
    /// </summary>
    public static async Task<Demand.Tooling.Local.AzuriteServer?> EnsureStorageAsync(Dictionary<string, string> settings, string? connection, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(connection))
        {
            settings["AzureWebJobsStorage"] = connection;
            return null;
        }

        if (settings.TryGetValue("AzureWebJobsStorage", out var configured) && configured.Length > 0
            && !configured.Contains("UseDevelopmentStorage", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var azurite = await Demand.Tooling.Local.AzuriteServer.StartAsync(null, cancellationToken);
        settings["AzureWebJobsStorage"] = azurite.ConnectionString;
        return azurite;
    }
}
