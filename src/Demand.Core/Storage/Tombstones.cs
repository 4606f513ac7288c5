using Demand.Core.Identifiers;
using System.Security.Cryptography;
using System.Text;

namespace Demand.Core.Storage;

/// <summary>
/// Erasure tombstones: after a user is erased, a document in <c>insights</c> (partition merchantId) with id
/// <see cref="Id"/> marks them so replayed logs do not bring them back. The id is a keyed hash, so the
/// tombstone itself does not hold the user's id.
/// </summary>
public static class Tombstones
{
    public const string DocumentType = "tombstone";

    public static string Id(MerchantId merchantId, UserId userId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(merchantId.Value + "\n" + userId.Value), hash);
        return "tombstone." + Convert.ToHexStringLower(hash[..16]);
    }
}
