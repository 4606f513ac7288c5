using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Demand.Core.Events;

namespace Demand.Core.Ingestion;

/// <summary>Log file format.</summary>
public enum LogFormat
{
    /// <summary>JSON Lines if the first non-blank byte is '{', else CSV.</summary>
    Auto,
    Jsonl,
    Csv,
}

/// <summary>How timestamps are written.</summary>
public sealed record TimestampMapping
{
    /// <summary><c>iso8601</c>, <c>unix-s</c>, <c>unix-ms</c>, or a .NET pattern such as <c>yyyy-MM-dd HH</c>.</summary>
    public string Format { get; init; } = "iso8601";

    /// <summary>IANA time zone for timestamps without an offset (default UTC).</summary>
    public string TimeZone { get; init; } = "UTC";
}

/// <summary>
/// A merchant's log layout as data: which column (by header name, JSON property or 0-based position) holds
/// each field, how event types are spelled, how timestamps are written. Any real layout is ingested by
/// writing one of these, no code change (docs/log-format.md).
/// </summary>
public sealed record LogMapping
{
    public const string DefaultName = "default";
    public const string TaobaoName = "taobao-userbehavior";

    /// <summary>Canonical field names a mapping can bind.</summary>
    public static IReadOnlyList<string> Fields { get; } =
        ["eventId", "userId", "type", "timestamp", "productId", "categoryId", "price", "quantity", "query", "rating", "text", "sessionId"];

    public string Name { get; init; } = DefaultName;

    public LogFormat Format { get; init; } = LogFormat.Auto;

    /// <summary>CSV delimiter.</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>CSV: whether the first record is a header (columns may then be named).</summary>
    public bool Header { get; init; } = true;

    /// <summary>Field → column: a JSON string (header / property name) or number (0-based position). Unlisted fields use their own name.</summary>
    public Dictionary<string, JsonElement> Columns { get; init; } = [];

    /// <summary>Source type value → canonical type (<c>view</c>, <c>purchase</c>, …). Canonical names are always accepted.</summary>
    public Dictionary<string, string> Types { get; init; } = [];

    public TimestampMapping Timestamp { get; init; } = new();

    /// <summary>
    /// UTC date from which events are never rejected as too old, whatever the age limit says: a merchant loading
    /// a historical data set (Taobao UserBehavior is from 2017) says so deliberately. It only widens the limit;
    /// events before it are still judged by the age limit, future events by the future tolerance.
    /// </summary>
    public DateOnly? NotBefore { get; init; }

    /// <summary>
    /// In-part duplicates: null (default) counts rows with a repeated <c>eventId</c> once and keeps every row without
    /// one (identical lines are real repeated events in hour-granular logs); true also counts identical lines without
    /// ids once; false keeps every row.
    /// </summary>
    public bool? DedupeLines { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static LogMapping Default { get; } = new();

    public static LogMapping Taobao { get; } = new()
    {
        Name = TaobaoName,
        Format = LogFormat.Csv,
        Header = false,
        Columns = new Dictionary<string, JsonElement>
        {
            ["userId"] = Number(0),
            ["productId"] = Number(1),
            ["categoryId"] = Number(2),
            ["type"] = Number(3),
            ["timestamp"] = Number(4),
        },
        Types = new Dictionary<string, string> { ["pv"] = "view", ["buy"] = "purchase", ["cart"] = "cart_add", ["fav"] = "wishlist" },
        Timestamp = new TimestampMapping { Format = "unix-s" },
    };

    public static LogMapping? Preset(string name) => name switch
    {
        DefaultName => Default,
        TaobaoName => Taobao,
        _ => null,
    };

    /// <summary>Parses a mapping file; a string <c>"preset"</c> property of a known name starts from that preset (the file's other properties replace the preset's).</summary>
    /// <exception cref="InvalidDataException">The mapping is malformed (message says where).</exception>
    public static LogMapping Parse(string json)
    {
        LogMapping? mapping;
        try
        {
            var node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            mapping = node is JsonObject properties ? FromPreset(properties).Deserialize<LogMapping>(Json) : node?.Deserialize<LogMapping>(Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The mapping is not valid JSON: {ex.Message}", ex);
        }

        mapping = mapping ?? throw new InvalidDataException("The mapping is empty.");
        mapping.Validate();
        return mapping;
    }

    private static JsonObject FromPreset(JsonObject properties)
    {
        var key = properties.Select(p => p.Key).FirstOrDefault(k => k.Equals("preset", StringComparison.OrdinalIgnoreCase));
        if (key is null)
        {
            return properties;
        }

        var name = properties[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : throw new InvalidDataException("The mapping's \"preset\" must be a preset name.");
        var preset = Preset(name) ?? throw new InvalidDataException($"Unknown preset '{name}' (known: {DefaultName}, {TaobaoName}).");
        var merged = JsonNode.Parse(preset.ToJson())!.AsObject();
        foreach (var (property, overlay) in properties)
        {
            if (property == key)
            {
                continue;
            }

            // Property names bind case-insensitively, so the file's "Columns" replaces the preset's "columns".
            var existing = merged.Select(p => p.Key).FirstOrDefault(k => k.Equals(property, StringComparison.OrdinalIgnoreCase));
            if (existing is not null)
            {
                merged.Remove(existing);
            }

            merged[property] = overlay?.DeepClone();
        }

        return merged;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Resolved type names: canonical names plus the merchant's own spellings (case-insensitive).</summary>
    public Dictionary<string, EventType> TypeTable()
    {
        var table = new Dictionary<string, EventType>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in EventTypes.WireNames)
        {
            EventTypes.TryParse(name, out var t);
            table[name] = t;
        }

        foreach (var (source, target) in Types)
        {
            if (!EventTypes.TryParse(target, out var t))
            {
                throw new InvalidDataException($"Mapping '{Name}': type value '{source}' maps to '{target}', which is not one of {string.Join(", ", EventTypes.WireNames)}.");
            }

            table[source] = t;
        }

        return table;
    }

    public void Validate()
    {
        foreach (var field in Columns.Keys)
        {
            if (!Fields.Contains(field))
            {
                throw new InvalidDataException($"Mapping '{Name}': unknown field '{field}' in columns (known: {string.Join(", ", Fields)}).");
            }
        }

        foreach (var (field, column) in Columns)
        {
            if (column.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
            {
                throw new InvalidDataException($"Mapping '{Name}': column of '{field}' must be a name or a 0-based position.");
            }

            if (column.ValueKind == JsonValueKind.Number && !Header && column.GetInt32() < 0)
            {
                throw new InvalidDataException($"Mapping '{Name}': position of '{field}' is negative.");
            }
        }

        if (!Header && Format == LogFormat.Csv && Columns.Values.Any(c => c.ValueKind == JsonValueKind.String))
        {
            throw new InvalidDataException($"Mapping '{Name}': a CSV without header needs column positions, not names.");
        }

        _ = TypeTable();
        _ = TimestampParser.Create(Timestamp);
    }

    private static JsonElement Number(int value) => JsonSerializer.SerializeToElement(value);
}
