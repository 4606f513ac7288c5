namespace Demand.Tooling.Host;

/// <summary>
/// The six-field NCRONTAB expressions of Functions timer triggers (<c>sec min hour day month weekday</c>):
/// <c>*</c>, numbers, ranges, lists and steps. Evaluated in UTC (WEBSITE_TIME_ZONE is not supported).
/// </summary>
public sealed class CronSchedule
{
    private readonly bool[][] _fields;

    private CronSchedule(bool[][] fields) => _fields = fields;

    private static readonly (int Min, int Max)[] Ranges = [(0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 6)];

    public static CronSchedule Parse(string expression)
    {
        var parts = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 6)
        {
            throw new FormatException($"'{expression}' is not a six-field NCRONTAB expression.");
        }

        var fields = new bool[6][];
        for (var i = 0; i < 6; i++)
        {
            fields[i] = ParseField(parts[i], Ranges[i].Min, Ranges[i].Max, expression);
        }

        return new CronSchedule(fields);
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/> (UTC, whole seconds).</summary>
    public DateTimeOffset Next(DateTimeOffset after)
    {
        var t = new DateTimeOffset(after.UtcDateTime.Ticks - (after.UtcDateTime.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddSeconds(1);
        var limit = t.AddYears(5);
        while (t < limit)
        {
            if (!_fields[4][t.Month] || !_fields[3][t.Day] || !_fields[5][(int)t.DayOfWeek])
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, TimeSpan.Zero).AddDays(1);
                continue;
            }

            if (!_fields[2][t.Hour])
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
                continue;
            }

            if (!_fields[1][t.Minute])
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, TimeSpan.Zero).AddMinutes(1);
                continue;
            }

            if (!_fields[0][t.Second])
            {
                t = t.AddSeconds(1);
                continue;
            }

            return t;
        }

        throw new InvalidOperationException("The schedule has no occurrence in the next five years.");
    }

    private static bool[] ParseField(string field, int min, int max, string expression)
    {
        var allowed = new bool[max + 1];
        foreach (var item in field.Split(','))
        {
            var step = 1;
            var range = item;
            var slash = item.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                step = int.Parse(item[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                range = item[..slash];
            }

            int from, to;
            if (range == "*")
            {
                (from, to) = (min, max);
            }
            else if (range.Contains('-', StringComparison.Ordinal))
            {
                var bounds = range.Split('-');
                (from, to) = (int.Parse(bounds[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(bounds[1], System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                from = int.Parse(range, System.Globalization.CultureInfo.InvariantCulture);
                to = slash >= 0 ? max : from;
            }

            if (from < min || to > max || from > to || step < 1)
            {
                throw new FormatException($"Field '{field}' of '{expression}' is out of range {min}-{max}.");
            }

            for (var v = from; v <= to; v += step)
            {
                allowed[v] = true;
            }
        }

        return allowed;
    }
}
