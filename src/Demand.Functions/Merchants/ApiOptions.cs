using System.ComponentModel.DataAnnotations;

namespace Demand.Functions.Merchants;

/// <summary>API settings (section <c>Api</c>).</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    [Range(1, 1_000_000)]
    public int RequestsPerMinutePerKey { get; set; } = 1_200;

    /// <summary>How long an instance keeps a merchant's key hashes (0: read them on every request); bounds how long a revoked key still works.</summary>
    [Range(0, 3_600)]
    public int KeyCacheSeconds { get; set; } = 30;

    /// <summary>
    /// Reads of merchant documents per second and instance for key ids or merchants the key cache does not know (a new
    /// key, a cold instance, or forged ids); beyond it such a key answers 401 without a read.
    /// </summary>
    [Range(1, 100_000)]
    public int FreshKeyReadsPerSecond { get; set; } = 50;
}
