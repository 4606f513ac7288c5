using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Demand.Tooling.Host;

/// <summary>
/// Binding expressions in blob paths: <c>{param}</c> placeholders matched against a blob's path
/// (<c>logs/{merchantId}/{name}</c>) and resolved in output paths from the trigger's values
/// (<c>quarantine/{merchantId}/{name}.rejected.jsonl</c>), plus <c>%AppSetting%</c> and the real host's
/// built-ins <c>{rand-guid}</c> and <c>{DateTime}</c>.
/// </summary>
public sealed partial class BindingPattern
{
    private readonly Regex _regex;

    private BindingPattern(string container, string blobPattern, Regex regex, IReadOnlyList<string> parameters)
    {
        Container = container;
        BlobPattern = blobPattern;
        _regex = regex;
        Parameters = parameters;
    }

    /// <summary>The container: the path's first segment (no placeholders allowed there, as in the real host's listener).</summary>
    public string Container { get; }

    public string BlobPattern { get; }

    public IReadOnlyList<string> Parameters { get; }

    public static BindingPattern Parse(string path)
    {
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var container = slash < 0 ? path : path[..slash];
        var blob = slash < 0 ? "{name}" : path[(slash + 1)..];
        var parameters = new List<string>();
        var regex = new StringBuilder("^");
        var last = 0;
        var matches = Placeholder().Matches(blob);
        for (var i = 0; i < matches.Count; i++)
        {
            var match = matches[i];
            regex.Append(Regex.Escape(blob[last..match.Index]));
            var name = match.Groups[1].Value;
            parameters.Add(name);
            // Only the last placeholder may span folders, so "{merchantId}/{name}" splits at the first slash.
            regex.Append(CultureInfo.InvariantCulture, $"(?<p{i}>{(i == matches.Count - 1 ? ".+" : "[^/]+")})");
            last = match.Index + match.Length;
        }

        regex.Append(Regex.Escape(blob[last..])).Append('$');
        return new BindingPattern(container, blob, new Regex(regex.ToString(), RegexOptions.CultureInvariant), parameters);
    }

    /// <summary>The placeholder values for a blob name in <see cref="Container"/>, or null when the name does not match.</summary>
    public IReadOnlyDictionary<string, string>? Match(string blobName)
    {
        var match = _regex.Match(blobName);
        if (!match.Success)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < Parameters.Count; i++)
        {
            values[Parameters[i]] = match.Groups["p" + i.ToString(CultureInfo.InvariantCulture)].Value;
        }

        return values;
    }

    /// <summary>Replaces <c>{param}</c> with trigger values and <c>%setting%</c> with app settings.</summary>
    public static string Resolve(string expression, IReadOnlyDictionary<string, string> values, IReadOnlyDictionary<string, string>? settings = null)
    {
        var withSettings = settings is null ? expression : ResolveSettings(expression, settings);
        return Placeholder().Replace(withSettings, match =>
        {
            var name = match.Groups[1].Value;
            if (values.TryGetValue(name, out var value))
            {
                return value;
            }

            if (string.Equals(name, "rand-guid", StringComparison.OrdinalIgnoreCase))
            {
                return Guid.NewGuid().ToString();
            }

            if (string.Equals(name, "DateTime", StringComparison.OrdinalIgnoreCase))
            {
                return DateTime.UtcNow.ToString("yyyy-MM-ddTHH-mm-ssZ", CultureInfo.InvariantCulture);
            }

            throw new InvalidOperationException($"No value for the binding expression {{{name}}} in '{expression}'.");
        });
    }

    /// <summary><c>%name%</c> → the app setting, as the real host resolves queue names, paths and schedules.</summary>
    public static string ResolveSettings(string expression, IReadOnlyDictionary<string, string> settings) =>
        Setting().Replace(expression, match => settings.TryGetValue(match.Groups[1].Value, out var value)
            ? value
            : throw new InvalidOperationException($"The app setting '{match.Groups[1].Value}' used in '{expression}' is not defined."));

    [GeneratedRegex(@"\{([^{}]+)\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();

    [GeneratedRegex("%([^%]+)%", RegexOptions.CultureInvariant)]
    private static partial Regex Setting();
}
