using System.Text.Json.Nodes;

namespace Demand.Infra.Tests;

/// <summary>One resource an ARM deployment would create: copy loops expanded, false conditions dropped.</summary>
internal sealed record DeployedResource(string Module, string Type, JsonObject Definition, ArmScope Scope, int? CopyIndex)
{
    public object? Evaluate(string path)
    {
        JsonNode? node = Definition;
        foreach (var part in path.Split('.'))
        {
            // "name[0]": a member, then an array element.
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            node = node?[bracket < 0 ? part : part[..bracket]];
            if (bracket >= 0)
            {
                node = node?[int.Parse(part[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture)];
            }
        }

        Scope.CopyIndex = CopyIndex;
        return Scope.Evaluate(node);
    }

    public string Text(string path) => ArmScope.Text(Evaluate(path));
}

/// <summary>A compiled template (bicep build output) with its nested module deployments walked.</summary>
internal static class CompiledTemplate
{
    public static List<DeployedResource> Resources(JsonObject template, IReadOnlyDictionary<string, object?>? parameters = null)
    {
        var result = new List<DeployedResource>();
        Walk(new ArmScope(template, parameters ?? new Dictionary<string, object?>()), "main", result);
        return result;
    }

    /// <summary>A module parameter is <c>{ "value": … }</c>, or an expression yielding one (conditional module outputs).</summary>
    private static object? ParameterValue(object? parameter) =>
        parameter is Dictionary<string, object?> d && d.TryGetValue("value", out var value)
            ? value
            : throw new InvalidOperationException("A module parameter without a value (a Key Vault reference?) is not understood.");

    private static void Walk(ArmScope scope, string module, List<DeployedResource> result)
    {
        foreach (var resource in (scope.Template["resources"] as JsonArray ?? []).Cast<JsonObject>())
        {
            var type = resource["type"]!.GetValue<string>();
            int? count = resource["copy"] is { } copy ? (int)(long)scope.Evaluate(copy["count"])! : null;
            foreach (var index in count is { } n ? Enumerable.Range(0, n).Select(i => (int?)i) : [null])
            {
                scope.CopyIndex = index;
                if (resource["condition"] is { } condition && scope.Evaluate(condition) is not true)
                {
                    continue;
                }

                if (type == "Microsoft.Resources/deployments")
                {
                    var name = ArmScope.Text(scope.Evaluate(resource["name"]));
                    var values = (resource["properties"]!["parameters"] as JsonObject ?? [])
                        .ToDictionary(p => p.Key, p => ParameterValue(scope.Evaluate(p.Value)), StringComparer.OrdinalIgnoreCase);
                    Walk(new ArmScope((JsonObject)resource["properties"]!["template"]!, values), $"{module}/{name}", result);
                }
                else
                {
                    result.Add(new DeployedResource(module, type, resource, scope, index));
                }
            }
        }
    }
}
