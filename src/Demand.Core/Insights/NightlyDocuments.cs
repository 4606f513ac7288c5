using System.Globalization;
using System.Text.Json.Serialization;

namespace Demand.Core.Insights;

/// <summary>
/// One night of the nightly rescoring (<c>nightly.{yyyy-MM-dd}</c> in <c>insights</c>, partition <c>_system</c>):
/// created by the first timer invocation of the night and never changed in substance, so every retry, rerun or
/// duplicate message of that night computes with the same <see cref="AsOf"/> (decay, activity window, next-purchase
/// dates) and therefore the same results as one clean run.
/// </summary>
public sealed class NightlyRun
{
    [JsonPropertyName("id")]
    public string Id => IdFor(Night);

    public required string MerchantId { get; init; }

    public string Type { get; init; } = "nightlyRun";

    /// <summary>The scheduled date (UTC) the run belongs to.</summary>
    public required string Night { get; init; }

    /// <summary>The instant every computation of the night is made as of (the first start).</summary>
    public required DateTimeOffset AsOf { get; init; }

    /// <summary>Timer invocations that dispatched work for this night (the first and any reruns).</summary>
    public int Dispatches { get; set; }

    [JsonPropertyName("_etag")]
    public string? ETag { get; set; }

    public static string IdFor(string night) => "nightly." + night;

    public static string NightOf(DateTimeOffset scheduled) => scheduled.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>
/// One merchant's progress through one night (<c>nightly.{yyyy-MM-dd}</c> in <c>insights</c>, the merchant's
/// partition). Each step is recorded only once its effect is durable; see <c>NightlyMerchantFunction</c> for
/// why <see cref="ScoreRequestsEmittedBy"/> names a queue message rather than being a plain flag.
/// </summary>
public sealed class NightlyMerchantProgress
{
    [JsonPropertyName("id")]
    public string Id => NightlyRun.IdFor(Night);

    public required string MerchantId { get; init; }

    public string Type { get; init; } = "nightlyProgress";

    public required string Night { get; init; }

    /// <summary>The nightly-merchants message working on this merchant, and until when its claim holds.</summary>
    public string? ClaimedBy { get; set; }

    public DateTimeOffset? ClaimedUntil { get; set; }

    /// <summary>Merchant statistics rebuilt as of the night (a Cosmos write: durable once recorded).</summary>
    public DateTimeOffset? StatsRebuiltAt { get; set; }

    /// <summary>Segment pages and the demand forecast saved (Cosmos writes).</summary>
    public DateTimeOffset? InsightsSavedAt { get; set; }

    /// <summary>Product need summaries rebuilt (Cosmos writes).</summary>
    public DateTimeOffset? ProductNeedsRebuiltAt { get; set; }

    /// <summary>Due prediction snapshots evaluated into the model state and today's recorded (blob and Cosmos writes).</summary>
    public DateTimeOffset? OutcomesTrackedAt { get; set; }

    /// <summary>
    /// The queue message whose invocation returned this merchant's score-requests. The messages only exist if that
    /// invocation succeeded, so the mark is trusted by every other message but not by a redelivery of the same one.
    /// </summary>
    public string? ScoreRequestsEmittedBy { get; set; }

    public int ActiveUsers { get; set; }

    public int ScoreRequests { get; set; }

    /// <summary>Invocations that started work for this merchant (1 in a clean night).</summary>
    public int Attempts { get; set; }

    [JsonPropertyName("_etag")]
    public string? ETag { get; set; }
}
