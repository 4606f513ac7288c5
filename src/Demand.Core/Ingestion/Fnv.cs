namespace Demand.Core.Ingestion;

/// <summary>FNV-1a 64-bit: a fast, stable hash for duplicate detection (System.IO.Hashing is not available here).</summary>
internal static class Fnv
{
    public const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    public static ulong Hash(ReadOnlySpan<byte> data, ulong seed = Offset)
    {
        var hash = seed;
        foreach (var b in data)
        {
            hash = (hash ^ b) * Prime;
        }

        return hash;
    }

    /// <summary>FNV-1a over a string's UTF-16 code units (shopper ids: sampling positions, snapshot keys).</summary>
    public static ulong Hash(string text, ulong seed = Offset)
    {
        var hash = seed;
        foreach (var c in text)
        {
            hash = (hash ^ c) * Prime;
        }

        return hash;
    }
}
