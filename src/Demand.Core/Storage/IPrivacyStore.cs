using Demand.Core.Identifiers;
namespace Demand.Core.Storage;

/// <summary>Right of access and right to erasure across every container.</summary>
public interface IPrivacyStore
{
    Task<UserExport?> ExportAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken);

    /// <summary>Deletes the user's documents everywhere and leaves a tombstone (a hash, not the id); returns whether anything existed.</summary>
    Task<bool> EraseAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken);
}
