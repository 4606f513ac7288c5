using System.Text.Json;
using System.Text.Json.Serialization;

namespace Demand.Hosting.Definitions;

/// <summary>One binding of a <c>function.json</c>.</summary>
public sealed record BindingDefinition
{
    public required string Name { get; init; }
    public required string Type { get; init; }
    public required string Direction { get; init; }
    public string? Path { get; init; }
    public string? QueueName { get; init; }
    public string? DataType { get; init; }
    public string? Connection { get; init; }
    public string? Schedule { get; init; }
    public string? Route { get; init; }
    public string? Source { get; init; }
    public string[]? Methods { get; init; }
    public string? AuthLevel { get; init; }

    [JsonIgnore]
    public bool IsTrigger => Type.EndsWith("Trigger", StringComparison.Ordinal);
}

/// <summary>A function folder: its name (the folder name, case kept) and its bindings.</summary>
public sealed record FunctionDefinition(string Name, IReadOnlyList<BindingDefinition> Bindings)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public BindingDefinition Trigger => Bindings.Single(b => b.IsTrigger);

    public IEnumerable<BindingDefinition> Outputs => Bindings.Where(b => b.Direction == "out");

    /// <summary>Loads every <c>*/function.json</c> under an app root.</summary>
    public static IReadOnlyList<FunctionDefinition> LoadAll(string appRoot) =>
        Directory.EnumerateDirectories(appRoot)
            .Where(d => File.Exists(System.IO.Path.Combine(d, "function.json")))
            .Select(d => Load(System.IO.Path.GetFileName(d), File.ReadAllText(System.IO.Path.Combine(d, "function.json"))))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();

    public static FunctionDefinition Load(string name, string json)
    {
        using var doc = JsonDocument.Parse(json);
        var bindings = doc.RootElement.GetProperty("bindings").Deserialize<List<BindingDefinition>>(Json)
            ?? throw new InvalidDataException($"{name}/function.json has no bindings.");
        return new FunctionDefinition(name, bindings);
    }
}
