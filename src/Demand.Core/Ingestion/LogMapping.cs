using System.Text.Json;
using System.Text.Json.Serialization;

namespace Demand.Core.Ingestion;

/// <summary>How a log part is laid out.</summary>
public enum LogFormat
{
    /// <summary>JSON Lines when the first non-blank byte is '{' or '[', CSV otherwise.</summary>
    Auto,
    Jsonl,
    Csv,
}

/// <summary>
/// A merchant's log layout as data (docs/log-format.md, "Mappings"): stored in the <c>merchants</c> container
/// (document <c>mapping.{merchantId}</c>) or loaded from a file. <see cref="Compile"/> checks it.
/// </summary>
public sealed class LogMapping
{
    public const string DefaultPreset = "default";
    public const string TaobaoPreset = "taobao-userbehavior";

    /// <summary>Start from this preset; the other members override it when set.</summary>
    public string? Preset { get; init; }

    public LogFormat? Format { get; init; }

    /// <summary>CSV delimiter, one character (e.g. ",", ";", "\t", "|").</summary>
    public string? Delimiter { get; init; }

    /// <summary>CSV: the first record names the columns.</summary>
    public bool? Header { get; init; }

    /// <summary>Event field (eventId, userId, type, timestamp, …) → JSON property / CSV header name (string) or 0-based CSV position (number).</summary>
    public Dictionary<string, JsonElement>? Columns { get; init; }

    /// <summary>Raw type value → wire type name (e.g. "pv" → "view", "1" → "view"). Wire names are always accepted too.</summary>
    public Dictionary<string, string>? Types { get; init; }

    /// <summary>"iso8601", "unix-seconds", "unix-ms", or a .NET date pattern such as "yyyy-MM-dd HH".</summary>
    public string? TimestampFormat { get; init; }

    /// <summary>Time zone of timestamps without an offset: IANA id ("Asia/Shanghai") or offset ("+08:00"). Default UTC.</summary>
    public string? TimeZone { get; init; }

    public static LogMapping Default { get; } = new()
    {
        Preset = DefaultPreset,
        Format = LogFormat.Auto,
        Delimiter = ",",
        Header = true,
        Columns = LogFields.Names.ToDictionary(n => n, n => JsonSerializer.SerializeToElement(n), StringComparer.Ordinal),
        Types = [],
        TimestampFormat = TimestampFormats.Iso8601,
    };

    /// <summary>Taobao UserBehavior: <c>user,item,category,pv|buy|cart|fav,unix-seconds</c>, no header.</summary>
    public static LogMapping Taobao { get; } = new()
    {
        Preset = TaobaoPreset,
        Format = LogFormat.Csv,
        Delimiter = ",",
        Header = false,
        Columns = new(StringComparer.Ordinal)
        {
            ["userId"] = JsonSerializer.SerializeToElement(0),
            ["productId"] = JsonSerializer.SerializeToElement(1),
            ["categoryId"] = JsonSerializer.SerializeToElement(2),
            ["type"] = JsonSerializer.SerializeToElement(3),
            ["timestamp"] = JsonSerializer.SerializeToElement(4),
        },
        Types = new(StringComparer.Ordinal) { ["pv"] = "view", ["buy"] = "purchase", ["cart"] = "cart_add", ["fav"] = "wishlist" },
        TimestampFormat = TimestampFormats.UnixSeconds,
    };

    private static readonly JsonSerializerOptions FileOptions = CreateFileOptions();

    public static LogMapping? FromPreset(string name) => name switch
    {
        DefaultPreset => Default,
        TaobaoPreset => Taobao,
        _ => null,
    };

    /// <summary>Reads a mapping file (JSON, camelCase members).</summary>
    /// <exception cref="MappingException">The text is not a mapping.</exception>
    public static LogMapping Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize<LogMapping>(json, FileOptions) ?? throw new MappingException("The mapping is null.");
        }
        catch (JsonException ex)
        {
            throw new MappingException("The mapping is not valid JSON: " + ex.Message);
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, FileOptions);

    /// <summary>This mapping with its preset's values filled in.</summary>
    public LogMapping Resolve()
    {
        var basis = Preset is null ? Default : FromPreset(Preset) ?? throw new MappingException($"Unknown preset '{Preset}' (known: {DefaultPreset}, {TaobaoPreset}).");
        if (ReferenceEquals(basis, this))
        {
            return this;
        }

        return new LogMapping
        {
            Preset = basis.Preset,
            Format = Format ?? basis.Format,
            Delimiter = Delimiter ?? basis.Delimiter,
            Header = Header ?? basis.Header,
            Columns = Columns ?? basis.Columns,
            Types = Types ?? basis.Types,
            TimestampFormat = TimestampFormat ?? basis.TimestampFormat,
            TimeZone = TimeZone ?? basis.TimeZone,
        };
    }

    /// <summary>Checks the mapping and prepares it for the parser.</summary>
    /// <exception cref="MappingException">The mapping is inconsistent; the message says what to fix.</exception>
    public CompiledMapping Compile() => CompiledMapping.Create(Resolve());

    private static JsonSerializerOptions CreateFileOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>Timestamp format names understood by mappings.</summary>
public static class TimestampFormats
{
    public const string Iso8601 = "iso8601";
    public const string UnixSeconds = "unix-seconds";
    public const string UnixMilliseconds = "unix-ms";
}

/// <summary>A mapping that cannot be used; the message says what to fix.</summary>
public sealed class MappingException(string message) : Exception(message);
