using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Demand.Core.Events;

namespace Demand.Core.Ingestion;

/// <summary>The event fields a log line can carry, in a fixed order (index = <see cref="LogField"/>).</summary>
public enum LogField
{
    EventId,
    UserId,
    Type,
    Timestamp,
    ProductId,
    CategoryId,
    Price,
    Quantity,
    Query,
    Rating,
    Text,
    SessionId,
}

public static class LogFields
{
    public const int Count = 12;

    public static IReadOnlyList<string> Names { get; } =
        ["eventId", "userId", "type", "timestamp", "productId", "categoryId", "price", "quantity", "query", "rating", "text", "sessionId"];
}

/// <summary>A checked mapping, ready for the hot path: names as UTF-8, positions, type table, timestamp parser.</summary>
public sealed class CompiledMapping
{
    private readonly (byte[] Raw, EventType Type)[] _types;
    private readonly TimestampKind _timestampKind;
    private readonly string? _pattern;
    private readonly TimeZoneInfo _timeZone;

    private CompiledMapping(LogMapping source, (byte[], EventType)[] types, TimestampKind kind, string? pattern, TimeZoneInfo zone)
    {
        Source = source;
        _types = types;
        _timestampKind = kind;
        _pattern = pattern;
        _timeZone = zone;
    }

    public LogMapping Source { get; }

    public LogFormat Format { get; private init; }

    public byte Delimiter { get; private init; }

    public bool Header { get; private init; }

    /// <summary>Per field: the UTF-8 column/property name, or null.</summary>
    internal byte[]?[] Names { get; private init; } = [];

    /// <summary>Per field: the 0-based CSV position, or -1.</summary>
    internal int[] Positions { get; private init; } = [];

    internal static CompiledMapping Create(LogMapping m)
    {
        var names = new byte[]?[LogFields.Count];
        var positions = new int[LogFields.Count];
        Array.Fill(positions, -1);
        foreach (var (field, column) in m.Columns ?? [])
        {
            var index = IndexOf(field);
            switch (column.ValueKind)
            {
                case JsonValueKind.String when !string.IsNullOrWhiteSpace(column.GetString()):
                    names[index] = Encoding.UTF8.GetBytes(column.GetString()!);
                    break;
                case JsonValueKind.Number when column.TryGetInt32(out var position) && position is >= 0 and < 1024:
                    positions[index] = position;
                    break;
                default:
                    throw new MappingException($"Column of '{field}' must be a name (string) or a 0-based position (number 0-1023).");
            }
        }

        foreach (var required in new[] { LogField.UserId, LogField.Type, LogField.Timestamp })
        {
            if (names[(int)required] is null && positions[(int)required] < 0)
            {
                throw new MappingException($"The mapping has no column for required field '{LogFields.Names[(int)required]}'.");
            }
        }

        var format = m.Format ?? LogFormat.Auto;
        var header = m.Header ?? true;
        if (format == LogFormat.Jsonl && positions.Any(p => p >= 0))
        {
            throw new MappingException("JSON Lines columns are property names, not positions.");
        }

        if (format == LogFormat.Csv && !header && names.Any(n => n is not null))
        {
            throw new MappingException("A CSV layout without a header needs column positions (numbers), not names.");
        }

        var delimiter = m.Delimiter ?? ",";
        if (delimiter.Length != 1 || delimiter[0] > 127 || delimiter[0] is '"' or '\n' or '\r')
        {
            throw new MappingException("The delimiter must be one ASCII character other than a quote or a line break.");
        }

        var types = new List<(byte[], EventType)>();
        foreach (var (raw, wire) in m.Types ?? [])
        {
            if (!EventTypes.TryParse(wire, out var type))
            {
                throw new MappingException($"Type value '{raw}' maps to '{wire}', which is not one of: {string.Join(", ", EventTypes.WireNames)}.");
            }

            types.Add((Encoding.UTF8.GetBytes(raw), type));
        }

        foreach (var wire in EventTypes.WireNames)
        {
            EventTypes.TryParse(wire, out var type);
            types.Add((Encoding.UTF8.GetBytes(wire), type));
        }

        var (kind, pattern) = (m.TimestampFormat ?? TimestampFormats.Iso8601) switch
        {
            TimestampFormats.Iso8601 => (TimestampKind.Iso8601, null),
            TimestampFormats.UnixSeconds => (TimestampKind.UnixSeconds, null),
            TimestampFormats.UnixMilliseconds => (TimestampKind.UnixMilliseconds, null),
            var p => (TimestampKind.Pattern, CheckPattern(p)),
        };

        return new CompiledMapping(m, types.ToArray(), kind, pattern, ResolveZone(m.TimeZone))
        {
            Format = format,
            Delimiter = (byte)delimiter[0],
            Header = header,
            Names = names,
            Positions = positions,
        };
    }

    /// <summary>Maps a raw type value (exact mapped values first, then wire names ignoring case).</summary>
    public bool TryMapType(ReadOnlySpan<byte> raw, out EventType type)
    {
        foreach (var (candidate, mapped) in _types)
        {
            if (raw.SequenceEqual(candidate))
            {
                type = mapped;
                return true;
            }
        }

        if (raw.Length <= 16)
        {
            Span<char> chars = stackalloc char[16];
            if (Encoding.UTF8.TryGetChars(raw, chars, out var written) && EventTypes.TryParse(chars[..written].Trim(), out type))
            {
                return true;
            }
        }

        type = default;
        return false;
    }

    /// <summary>Parses a raw timestamp value to unix seconds.</summary>
    public bool TryParseTimestamp(ReadOnlySpan<byte> raw, out long unixSeconds)
    {
        unixSeconds = 0;
        raw = raw.Trim((byte)' ');
        switch (_timestampKind)
        {
            case TimestampKind.UnixSeconds:
                return Utf8Parser.TryParse(raw, out unixSeconds, out var used) && used == raw.Length;
            case TimestampKind.UnixMilliseconds:
                if (Utf8Parser.TryParse(raw, out long ms, out used) && used == raw.Length)
                {
                    unixSeconds = ms / 1000;
                    return true;
                }

                return false;
            case TimestampKind.Iso8601:
                if (TryParseIsoFast(raw, out unixSeconds))
                {
                    return true;
                }

                return TryParseWithCulture(raw, null, out unixSeconds);
            default:
                return TryParseWithCulture(raw, _pattern, out unixSeconds);
        }
    }

    private bool TryParseWithCulture(ReadOnlySpan<byte> raw, string? pattern, out long unixSeconds)
    {
        unixSeconds = 0;
        if (raw.Length > 64)
        {
            return false;
        }

        Span<char> chars = stackalloc char[64];
        if (!Encoding.UTF8.TryGetChars(raw, chars, out var written))
        {
            return false;
        }

        var text = chars[..written];
        const DateTimeStyles Styles = DateTimeStyles.AllowWhiteSpaces;
        DateTime local;
        if (pattern is null)
        {
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, Styles, out var withOffset) && HasOffset(text))
            {
                unixSeconds = withOffset.ToUnixTimeSeconds();
                return true;
            }

            if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, Styles, out local))
            {
                return false;
            }
        }
        else if (!DateTime.TryParseExact(text, pattern, CultureInfo.InvariantCulture, Styles, out local))
        {
            return false;
        }

        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        unixSeconds = new DateTimeOffset(local, _timeZone.GetUtcOffset(local)).ToUnixTimeSeconds();
        return true;
    }

    private static bool HasOffset(ReadOnlySpan<char> text)
    {
        var tail = text.Length > 6 ? text[^6..] : text;
        return text.EndsWith("Z") || text.EndsWith("z") || tail.Contains('+') || (tail.Length == 6 && tail[0] == '-');
    }

    /// <summary>The common <c>yyyy-MM-ddTHH:mm:ss[.fff]Z</c> without going through chars.</summary>
    private static bool TryParseIsoFast(ReadOnlySpan<byte> s, out long unixSeconds)
    {
        unixSeconds = 0;
        if (s.Length < 20 || s[^1] != (byte)'Z' || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
        {
            return false;
        }

        if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day)
            || !Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second))
        {
            return false;
        }

        if (s.Length > 20)
        {
            if (s[19] != '.' || !Digits(s, 20, s.Length - 21, out _))
            {
                return false;
            }
        }

        if (month is < 1 or > 12 || day < 1 || year < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        unixSeconds = ((new DateTime(year, month, day).Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond) + (hour * 3600) + (minute * 60) + second;
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> s, int start, int count, out int value)
    {
        value = 0;
        if (count is < 1 or > 9)
        {
            return false;
        }

        for (var i = start; i < start + count; i++)
        {
            var d = s[i] - (byte)'0';
            if ((uint)d > 9)
            {
                return false;
            }

            value = (value * 10) + d;
        }

        return true;
    }

    private static int IndexOf(string field)
    {
        for (var i = 0; i < LogFields.Count; i++)
        {
            if (string.Equals(LogFields.Names[i], field, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        throw new MappingException($"Unknown field '{field}' (known: {string.Join(", ", LogFields.Names)}).");
    }

    private static string CheckPattern(string pattern)
    {
        try
        {
            _ = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Unspecified).ToString(pattern, CultureInfo.InvariantCulture);
            return pattern;
        }
        catch (FormatException)
        {
            throw new MappingException($"Timestamp format '{pattern}' is neither iso8601, unix-seconds, unix-ms nor a valid date pattern.");
        }
    }

    private static TimeZoneInfo ResolveZone(string? zone)
    {
        if (string.IsNullOrWhiteSpace(zone) || zone is "UTC" or "Z")
        {
            return TimeZoneInfo.Utc;
        }

        if (zone[0] is '+' or '-' && TimeSpan.TryParseExact(zone[1..], @"hh\:mm", CultureInfo.InvariantCulture, out var offset))
        {
            return TimeZoneInfo.CreateCustomTimeZone(zone, zone[0] == '-' ? -offset : offset, zone, zone);
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(zone);
        }
        catch (TimeZoneNotFoundException)
        {
            throw new MappingException($"Unknown time zone '{zone}': use an IANA id such as Asia/Shanghai or an offset such as +08:00.");
        }
    }

    private enum TimestampKind
    {
        Iso8601,
        UnixSeconds,
        UnixMilliseconds,
        Pattern,
    }
}
