using System.Buffers.Binary;
using System.Numerics;

namespace Demand.Core.Ingestion;

/// <summary>
/// A fast 64-bit hash for in-part duplicate detection (event ids, or whole lines when there is no id).
/// Two distinct keys collide with probability ~n²/2⁶⁵: about 1 in 10⁸ for a 10 M-line part.
/// </summary>
internal static class LineHash
{
    private const ulong C1 = 0x87c37b91114253d5UL;
    private const ulong C2 = 0x4cf5ad432745937fUL;

    public static ulong Hash(ReadOnlySpan<byte> data, ulong seed)
    {
        var h = seed ^ ((ulong)data.Length * C1);
        while (data.Length >= 8)
        {
            var k = BinaryPrimitives.ReadUInt64LittleEndian(data);
            h ^= BitOperations.RotateLeft(k * C1, 31) * C2;
            h = (BitOperations.RotateLeft(h, 27) * 5) + 0x52dce729;
            data = data[8..];
        }

        ulong tail = 0;
        for (var i = data.Length - 1; i >= 0; i--)
        {
            tail = (tail << 8) | data[i];
        }

        h ^= BitOperations.RotateLeft(tail * C1, 31) * C2;
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }
}
