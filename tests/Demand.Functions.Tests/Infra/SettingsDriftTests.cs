using Demand.Tooling;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Demand.Core.Configuration;
using Demand.Functions.Tests.Infrastructure;
using Demand.Infrastructure;

namespace Demand.Functions.Tests.Infra;

/// <summary>
/// Every setting the app reads (options sections, binding connections in functions.metadata) is set by the Bicep app
/// settings and listed in local.settings.sample.json, and Bicep sets nothing unused: infra and code cannot
/// drift apart silently.
/// </summary>
public sealed partial class SettingsDriftTests
{
    /// <summary>Read by the Functions host itself, not by our code.</summary>
    private static readonly string[] HostSettings =
    [
        "AzureWebJobsStorage__accountName", "AzureWebJobsStorage__credential", "AzureWebJobsStorage__clientId",
        "APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    ];

    /// <summary>Read by the .NET runtime of the worker process from its environment, not by our code.</summary>
    private static readonly string[] RuntimeSettings = ["DOTNET_GCgen0size"];

    private static readonly string[] IdentityConnectionSuffixes = ["blobServiceUri", "queueServiceUri", "credential", "clientId"];

    private static string Root => RepoPaths.RepositoryRoot() ?? throw new InvalidOperationException("Repository root not found.");

    [Fact]
    public void Bicep_sets_every_setting_the_app_reads_and_nothing_else()
    {
        var appKeys = AppSettingKeys();
        var bicep = BicepAppSettings();
        var connections = ConnectionNames();

        var missing = appKeys.Where(k => !k.LocalOnly && !bicep.Contains(k.Key)).Select(k => k.Key).ToList();
        missing.ShouldBeEmpty("settings the code reads but Bicep does not set");

        var localOnlyInBicep = appKeys.Where(k => k.LocalOnly && bicep.Contains(k.Key)).Select(k => k.Key).ToList();
        localOnlyInBicep.ShouldBeEmpty("local-only settings (keys, emulators) must not reach Azure");

        var expected = appKeys.Where(k => !k.LocalOnly).Select(k => k.Key)
            .Concat(HostSettings)
            .Concat(RuntimeSettings)
            .Concat(connections.SelectMany(c => IdentityConnectionSuffixes.Select(s => c + "__" + s)))
            .ToHashSet(StringComparer.Ordinal);
        bicep.Except(expected).ShouldBeEmpty("Bicep sets settings nothing reads");
        expected.Except(bicep).ShouldBeEmpty("settings the host or the app needs that Bicep does not set");
    }

    [Fact]
    public void The_local_settings_sample_lists_every_setting_the_app_reads_and_every_connection()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "local.settings.sample.json")));
        var sample = doc.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

        var expected = AppSettingKeys().Select(k => k.Key).Concat(ConnectionNames()).Concat(RuntimeSettings).Append("AzureWebJobsStorage").Append("FUNCTIONS_WORKER_RUNTIME").ToHashSet(StringComparer.Ordinal);

        expected.Except(sample).ShouldBeEmpty("missing from local.settings.sample.json");
        sample.Except(expected).ShouldBeEmpty("listed in local.settings.sample.json but read by nothing");
    }

    [Fact]
    public void The_local_settings_sample_runs_the_isolated_worker()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "local.settings.sample.json")));

        doc.RootElement.GetProperty("Values").GetProperty("FUNCTIONS_WORKER_RUNTIME").GetString().ShouldBe("dotnet-isolated");
    }

    [Fact]
    public void Options_classes_are_found_so_the_drift_check_cannot_pass_vacuously()
    {
        AppSettingKeys().Select(k => k.Key).ShouldContain("Cosmos__Endpoint");
        ConnectionNames().ShouldBe(["LogsStorage"]);
    }

    private static List<(string Key, bool LocalOnly)> AppSettingKeys()
    {
        var assemblies = new[] { typeof(FunctionNames).Assembly }
            .Concat(typeof(FunctionNames).Assembly.GetReferencedAssemblies().Where(a => a.Name!.StartsWith("Demand.", StringComparison.Ordinal)).Select(Assembly.Load));
        return assemblies.SelectMany(a => a.GetTypes())
            .Where(t => t.IsClass && t.Name.EndsWith("Options", StringComparison.Ordinal))
            .Select(t => (Type: t, Section: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string))
            .Where(t => t.Section is not null)
            .SelectMany(t => t.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.SetMethod is { IsPublic: true })
                .Select(p => (Key: t.Section!.Replace(":", "__", StringComparison.Ordinal) + "__" + p.Name, LocalOnly: p.GetCustomAttribute<LocalOnlySettingAttribute>() is not null)))
            .OrderBy(k => k.Key, StringComparer.Ordinal)
            .ToList();
    }

    private static List<string> ConnectionNames() =>
        FunctionsMetadata.Load()
            .SelectMany(f => f.Bindings)
            .Select(b => b.Connection)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();

    private static HashSet<string> BicepAppSettings()
    {
        var text = File.ReadAllText(Path.Combine(Root, "infra", "modules", "functionapp.bicep"));
        var start = text.IndexOf("name: 'appsettings'", StringComparison.Ordinal);
        start.ShouldBeGreaterThan(0, "functionapp.bicep has no appsettings resource");
        var block = text[text.IndexOf("properties: {", start, StringComparison.Ordinal)..];
        var depth = 0;
        var end = 0;
        for (var i = block.IndexOf('{', StringComparison.Ordinal); i < block.Length; i++)
        {
            depth += block[i] == '{' ? 1 : block[i] == '}' ? -1 : 0;
            if (depth == 0)
            {
                end = i;
                break;
            }
        }

        return SettingLine().Matches(block[..end]).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"^\s+([A-Za-z][A-Za-z0-9_]*):\s", RegexOptions.Multiline)]
    private static partial Regex SettingLine();
}
