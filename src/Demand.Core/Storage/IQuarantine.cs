using Demand.Core.Identifiers;
namespace Demand.Core.Storage;

/// <summary>Where rejected rows of a log part are kept verbatim, with line numbers and reasons, for the merchant to read.</summary>
public interface IQuarantine
{
    /// <summary>Writes (or overwrites, so a retried part leaves one copy) the rejected rows of one part.</summary>
    Task WriteAsync(MerchantId merchantId, string blobName, ReadOnlyMemory<byte> rows, CancellationToken cancellationToken);
}
