using Demand.Tooling;
using System.Reflection;
using System.Text.Json;
using Demand.Infrastructure;

namespace Demand.Functions.Tests.Infrastructure;

/// <summary>
/// The <c>functions.metadata</c> the Worker SDK generates into Demand.Functions' build output: what the host indexes
/// (names, triggers, bindings, routes). The build copies it beside the tests from the referenced project's output;
/// failing that, it is read from <c>src/Demand.Functions/bin/&lt;Configuration&gt;/&lt;tfm&gt;</c> of this build's configuration.
/// </summary>
public static class FunctionsMetadata
{
    public static string Path
    {
        get
        {
            var beside = System.IO.Path.Combine(AppContext.BaseDirectory, "functions.metadata");
            var configuration = typeof(FunctionNames).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar)).Name;
            var root = RepoPaths.RepositoryRoot(AppContext.BaseDirectory) ?? throw new InvalidOperationException("Repository root not found.");
            var built = System.IO.Path.Combine(root, "src", "Demand.Functions", "bin", configuration, framework, "functions.metadata");
            return File.Exists(beside) ? beside : File.Exists(built) ? built : throw new FileNotFoundException("Build src/Demand.Functions first: no functions.metadata.", built);
        }
    }

    public static IReadOnlyList<FunctionEntry> Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path));
        return document.RootElement.EnumerateArray().Select(f => new FunctionEntry(
            f.GetProperty("name").GetString()!,
            f.GetProperty("entryPoint").GetString()!,
            f.GetProperty("bindings").EnumerateArray().Select(b => new BindingEntry(
                b.GetProperty("name").GetString()!,
                b.GetProperty("type").GetString()!,
                b.GetProperty("direction").GetString()!,
                Text(b, "queueName"), Text(b, "path"), Text(b, "source"), Text(b, "connection"), Text(b, "route"), Text(b, "authLevel"),
                b.TryGetProperty("methods", out var methods) ? methods.EnumerateArray().Select(m => m.GetString()!).ToList() : [])).ToList())).ToList();

        static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }
}

public sealed record FunctionEntry(string Name, string EntryPoint, IReadOnlyList<BindingEntry> Bindings)
{
    public BindingEntry Trigger => Bindings.Single(b => b.Type.EndsWith("Trigger", StringComparison.Ordinal));

    public IEnumerable<BindingEntry> Outputs => Bindings.Where(b => b.Direction == "Out");
}

public sealed record BindingEntry(
    string Name, string Type, string Direction, string? QueueName, string? Path, string? Source, string? Connection, string? Route, string? AuthLevel, IReadOnlyList<string> Methods);
