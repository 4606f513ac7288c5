using Demand.Core.Identifiers;
using Demand.Core.Features;
using Demand.Core.Profiles;

namespace Demand.Core.Storage;

/// <summary>Per-user profiles (<c>profiles</c> container). Writers change only their own part of the document.</summary>
public interface IProfileStore
{
    Task<ProfileDocument?> GetAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken);

    /// <summary>Read-modify-write with ETag: <paramref name="mutate"/> may run several times (on 412) and must be idempotent.</summary>
    Task<ProfileDocument> UpdateAsync(MerchantId merchantId, UserId userId, Action<ProfileDocument> mutate, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken);
}
