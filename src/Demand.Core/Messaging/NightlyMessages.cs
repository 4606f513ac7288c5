namespace Demand.Core.Messaging;

/// <summary>The <c>nightly-merchants</c> queue message: one merchant's share of one night's rescoring.</summary>
public sealed record NightlyMerchantRequest
{
    public required string MerchantId { get; init; }

    /// <summary>The scheduled date (UTC, <c>yyyy-MM-dd</c>) of the run.</summary>
    public required string Night { get; init; }

    /// <summary>The night's fixed as-of instant (see <c>NightlyRun.AsOf</c>).</summary>
    public required DateTimeOffset AsOf { get; init; }
}
