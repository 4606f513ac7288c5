using Demand.Core.Identifiers;

namespace Demand.Core.Storage;

/// <summary>The merchant's uploaded log parts (the <c>logs</c> container), read back for training.</summary>
public interface ILogArchive
{
    /// <summary>Names of the merchant's parts (relative to <c>logs/&lt;merchantId&gt;/</c>), in name order.</summary>
    Task<IReadOnlyList<string>> ListAsync(MerchantId merchantId, CancellationToken cancellationToken);

    Task<byte[]> ReadAsync(MerchantId merchantId, string name, CancellationToken cancellationToken);
}
