using System.Text;

namespace Demand.Core.Ingestion;

/// <summary>
/// Turns repeated UTF-8 ids (users, categories, products) into one shared string each, so a 1 M-event part
/// allocates one string per distinct id instead of one per event. Keys are the UTF-8 bytes themselves: a hit
/// costs a hash and a compare of the bytes, with no transcoding.
/// </summary>
internal sealed class Utf8Interner
{
    private readonly Dictionary<byte[], string> _strings = new(Utf8Comparer.Instance);
    private readonly Dictionary<byte[], string>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public Utf8Interner() => _lookup = _strings.GetAlternateLookup<ReadOnlySpan<byte>>();

    public string Intern(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > 256)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        if (_lookup.TryGetValue(utf8, out var existing))
        {
            return existing;
        }

        var created = Encoding.UTF8.GetString(utf8);
        _lookup[utf8] = created;
        return created;
    }

    private sealed class Utf8Comparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static Utf8Comparer Instance { get; } = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode(obj.AsSpan());

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = default(HashCode);
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
