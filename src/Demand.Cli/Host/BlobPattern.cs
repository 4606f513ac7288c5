namespace Demand.Cli.Host;

/// <summary>
/// A blob binding path such as <c>logs/{merchantId}/{name}</c>. As in the host, the last parameter may match
/// across '/' (a blob <c>logs/m1/2026-11-21/part-1.jsonl</c> gives name = "2026-11-21/part-1.jsonl").
/// </summary>
internal sealed class BlobPattern
{
    private readonly string[] _segments;

    private BlobPattern(string container, string[] segments)
    {
        Container = container;
        _segments = segments;
    }

    public string Container { get; }

    public static BlobPattern Parse(string path)
    {
        var parts = path.Split('/');
        return new BlobPattern(parts[0], parts[1..]);
    }

    /// <summary>Parameter values for a blob name inside the container, or null when it does not match.</summary>
    public IReadOnlyDictionary<string, string>? Match(string blobName)
    {
        var parts = blobName.Split('/');
        if (parts.Length < _segments.Length)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < _segments.Length; i++)
        {
            var segment = _segments[i];
            var isLast = i == _segments.Length - 1;
            var value = isLast ? string.Join('/', parts[i..]) : parts[i];
            if (segment.StartsWith('{') && segment.EndsWith('}'))
            {
                if (value.Length == 0)
                {
                    return null;
                }

                values[segment[1..^1]] = value;
            }
            else if (segment != value)
            {
                return null;
            }
        }

        return values;
    }

    /// <summary>Fills an output path's parameters: container and blob name.</summary>
    public (string Container, string Name) Format(IReadOnlyDictionary<string, string> values)
    {
        var name = string.Join('/', _segments.Select(s =>
        {
            var result = s;
            foreach (var (key, value) in values)
            {
                result = result.Replace("{" + key + "}", value, StringComparison.Ordinal);
            }

            return result;
        }));
        return (Container, name);
    }
}
