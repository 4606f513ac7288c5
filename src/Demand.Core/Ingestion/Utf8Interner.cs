using System.Text;

namespace Demand.Core.Ingestion;

/// <summary>
/// Turns repeated UTF-8 ids (users, categories, products) into one shared string each, so a 1 M-event part
/// allocates one string per distinct id instead of one per event.
/// </summary>
internal sealed class Utf8Interner
{
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public Utf8Interner() => _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();

    [System.Runtime.CompilerServices.SkipLocalsInit] // the scratch is overwritten before it is read
    public string Intern(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > 256)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        Span<char> chars = stackalloc char[256];
        var count = Encoding.UTF8.GetChars(utf8, chars);
        var key = chars[..count];
        if (_lookup.TryGetValue(key, out var existing))
        {
            return existing;
        }

        var created = key.ToString();
        _strings[created] = created;
        return created;
    }
}
