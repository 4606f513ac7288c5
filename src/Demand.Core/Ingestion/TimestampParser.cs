using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Demand.Core.Ingestion;

/// <summary>Parses timestamps from UTF-8 bytes to unix seconds according to a <see cref="TimestampMapping"/>.</summary>
public sealed class TimestampParser
{
    private enum Kind
    {
        Iso,
        UnixSeconds,
        UnixMilliseconds,
        Pattern,
    }

    private readonly Kind _kind;
    private readonly string? _pattern;
    private readonly TimeZoneInfo _zone;

    private TimestampParser(Kind kind, string? pattern, TimeZoneInfo zone)
    {
        _kind = kind;
        _pattern = pattern;
        _zone = zone;
    }

    /// <exception cref="InvalidDataException">Unknown time zone or empty pattern.</exception>
    public static TimestampParser Create(TimestampMapping mapping)
    {
        TimeZoneInfo zone;
        try
        {
            zone = mapping.TimeZone is "UTC" or "Z" or "" ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(mapping.TimeZone);
        }
        catch (TimeZoneNotFoundException)
        {
            throw new InvalidDataException($"Unknown time zone '{mapping.TimeZone}' (use an IANA id such as Asia/Shanghai).");
        }

        return mapping.Format.ToLowerInvariant() switch
        {
            "iso8601" or "iso" => new TimestampParser(Kind.Iso, null, zone),
            "unix-s" or "unix" or "unix-seconds" => new TimestampParser(Kind.UnixSeconds, null, zone),
            "unix-ms" or "unix-milliseconds" => new TimestampParser(Kind.UnixMilliseconds, null, zone),
            "" => throw new InvalidDataException("Timestamp format is empty."),
            _ => new TimestampParser(Kind.Pattern, mapping.Format, zone),
        };
    }

    public bool TryParse(ReadOnlySpan<byte> text, out long unixSeconds)
    {
        unixSeconds = 0;
        text = text.Trim((byte)' ');
        if (text.IsEmpty)
        {
            return false;
        }

        switch (_kind)
        {
            case Kind.UnixSeconds:
                if (Utf8Parser.TryParse(text, out long s, out var used) && used == text.Length)
                {
                    unixSeconds = s;
                    return true;
                }

                if (Utf8Parser.TryParse(text, out double d, out used) && used == text.Length && double.IsFinite(d))
                {
                    unixSeconds = (long)Math.Floor(d);
                    return true;
                }

                return false;
            case Kind.UnixMilliseconds:
                if (Utf8Parser.TryParse(text, out long ms, out used) && used == text.Length)
                {
                    unixSeconds = Math.DivRem(ms, 1000, out var rem) - (rem < 0 ? 1 : 0);
                    return true;
                }

                return false;
            case Kind.Iso:
                return TryParseIso(text, out unixSeconds);
            default:
                Span<char> chars = stackalloc char[64];
                if (text.Length > 64 || !Encoding.UTF8.TryGetChars(text, chars, out var written))
                {
                    return false;
                }

                if (!DateTime.TryParseExact(chars[..written], _pattern, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
                {
                    return false;
                }

                return TryLocal(local, out unixSeconds);
        }
    }

    private bool TryLocal(DateTime local, out long unixSeconds)
    {
        unixSeconds = 0;
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (_zone.IsInvalidTime(unspecified))
        {
            unspecified = unspecified.AddHours(1);
        }

        var offset = _zone.GetUtcOffset(unspecified);
        unixSeconds = new DateTimeOffset(unspecified, offset).ToUnixTimeSeconds();
        return true;
    }

    /// <summary>yyyy-MM-dd[(T| )HH:mm[:ss[.f…]]][Z|±HH[:]mm] — hand-rolled: this is the hot path.</summary>
    private bool TryParseIso(ReadOnlySpan<byte> t, out long unixSeconds)
    {
        unixSeconds = 0;
        if (t.Length < 10 || t[4] != '-' || t[7] != '-')
        {
            return false;
        }

        if (!Digits(t, 0, 4, out var year) || !Digits(t, 5, 2, out var month) || !Digits(t, 8, 2, out var day))
        {
            return false;
        }

        int hour = 0, minute = 0, second = 0;
        var i = 10;
        if (t.Length > 10)
        {
            if ((t[10] != 'T' && t[10] != ' ') || t.Length < 16 || t[13] != ':' || !Digits(t, 11, 2, out hour) || !Digits(t, 14, 2, out minute))
            {
                return false;
            }

            i = 16;
            if (i < t.Length && t[i] == ':')
            {
                if (!Digits(t, 17, 2, out second))
                {
                    return false;
                }

                i = 19;
                if (i < t.Length && (t[i] == '.' || t[i] == ','))
                {
                    i++;
                    var start = i;
                    while (i < t.Length && t[i] >= '0' && t[i] <= '9')
                    {
                        i++;
                    }

                    if (i == start)
                    {
                        return false;
                    }
                }
            }
        }

        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Clamp(year, 1, 9999), month) || hour > 23 || minute > 59 || second > 60 || year < 1)
        {
            return false;
        }

        second = Math.Min(second, 59);
        if (i == t.Length)
        {
            if (_zone == TimeZoneInfo.Utc)
            {
                unixSeconds = UnixSeconds(year, month, day, hour, minute, second);
                return true;
            }

            return TryLocal(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified), out unixSeconds);
        }

        int offsetMinutes;
        if (t[i] == 'Z' || t[i] == 'z')
        {
            if (i + 1 != t.Length)
            {
                return false;
            }

            offsetMinutes = 0;
        }
        else if (t[i] == '+' || t[i] == '-')
        {
            var sign = t[i] == '-' ? -1 : 1;
            var rest = t[(i + 1)..];
            int oh, om;
            if (rest.Length == 5 && rest[2] == ':' && Digits(rest, 0, 2, out oh) && Digits(rest, 3, 2, out om))
            {
            }
            else if (rest.Length == 4 && Digits(rest, 0, 2, out oh) && Digits(rest, 2, 2, out om))
            {
            }
            else if (rest.Length == 2 && Digits(rest, 0, 2, out oh))
            {
                om = 0;
            }
            else
            {
                return false;
            }

            offsetMinutes = sign * ((oh * 60) + om);
        }
        else
        {
            return false;
        }

        unixSeconds = UnixSeconds(year, month, day, hour, minute, second) - (offsetMinutes * 60L);
        return true;
    }

    /// <summary>Seconds since 1970-01-01T00:00Z of a valid proleptic Gregorian UTC time, without building a DateTime (days-from-civil).</summary>
    private static long UnixSeconds(int year, int month, int day, int hour, int minute, int second)
    {
        // Years start in March so the leap day is the last day of the "year".
        long y = month <= 2 ? year - 1 : year;
        var era = (y >= 0 ? y : y - 399) / 400;
        var yearOfEra = y - (era * 400);
        var dayOfYear = ((153 * (month + (month > 2 ? -3 : 9))) + 2) / 5 + day - 1;
        var dayOfEra = (yearOfEra * 365) + (yearOfEra / 4) - (yearOfEra / 100) + dayOfYear;
        var days = (era * 146_097) + dayOfEra - 719_468;
        return (days * 86_400) + (hour * 3_600) + (minute * 60) + second;
    }

    private static bool Digits(ReadOnlySpan<byte> t, int start, int count, out int value)
    {
        value = 0;
        if (start + count > t.Length)
        {
            return false;
        }

        for (var i = start; i < start + count; i++)
        {
            var c = t[i] - '0';
            if ((uint)c > 9)
            {
                return false;
            }

            value = (value * 10) + c;
        }

        return true;
    }
}
