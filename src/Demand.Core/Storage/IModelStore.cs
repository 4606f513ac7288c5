using Demand.Core.Identifiers;
using Demand.Core.Scoring;

namespace Demand.Core.Storage;

/// <summary>Per-merchant model versions (ONNX bytes) and the merchant's model state (active version, back-tests, promotions).</summary>
public interface IModelStore
{
    Task SaveVersionAsync(MerchantId merchantId, string version, byte[] onnx, CancellationToken cancellationToken);

    /// <summary>The version's ONNX bytes, or null when it was never stored.</summary>
    Task<byte[]?> GetVersionAsync(MerchantId merchantId, string version, CancellationToken cancellationToken);

    Task<MerchantModelState?> GetStateAsync(MerchantId merchantId, CancellationToken cancellationToken);

    /// <summary>Reads (or creates), changes and writes the state with an ETag check, retried on conflicts.</summary>
    Task<MerchantModelState> UpdateStateAsync(MerchantId merchantId, Action<MerchantModelState> change, CancellationToken cancellationToken);
}
