using System.Text.Json;
using System.Text.Json.Serialization;

namespace Demand.Core;

/// <summary>One JSON convention for documents, messages and wire DTOs: camelCase, enums as snake_case strings.</summary>
public static class DemandJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
