using System.ComponentModel.DataAnnotations;
using Demand.Core.Configuration;
using Demand.Core.Mining;

namespace Demand.Infrastructure.Mining;

/// <summary>Which miner runs and what its tokens cost (section <c>Mining</c>).</summary>
public sealed class MiningOptions
{
    public const string Section = "Mining";

    /// <summary>
    /// <c>learned</c> (offline, the default: encoder + trained heads), <c>lexicon</c> (offline keyword rules, the old
    /// baseline) or <c>openai</c> (needs <see cref="OpenAiMinerOptions"/>; the learned miner is its fallback).
    /// </summary>
    [RegularExpression("^(learned|lexicon|openai)$")]
    public string Miner { get; set; } = "learned";

    /// <summary>
    /// The learned miner's encoder: <c>float</c> (the default) or <c>int8</c> (matrix products in int8, quantised as it
    /// loads: ×1.6–2.1 reviews/s on one core, for up to 2 points of aspect-term F1 on validation; docs/need-mining.md).
    /// </summary>
    [RegularExpression("^(float|int8)$")]
    public string Encoder { get; set; } = "float";

    /// <summary>Price per million input tokens, in the merchant's billing currency, for the usage report.</summary>
    [Range(0, 1000)]
    public decimal InputPricePerMillionTokens { get; set; } = 0.15m;

    /// <summary>Price per million output tokens.</summary>
    [Range(0, 1000)]
    public decimal OutputPricePerMillionTokens { get; set; } = 0.60m;

    /// <summary>Provisional (fallback) results re-mined per invocation once the LLM answers again.</summary>
    [Range(0, 500)]
    public int ProvisionalSweep { get; set; } = 30;

    public bool UsesOpenAi => Miner == "openai";

    public decimal CostOf(MiningUsage usage) =>
        (usage.InputTokens * InputPricePerMillionTokens + usage.OutputTokens * OutputPricePerMillionTokens) / 1_000_000m;
}

/// <summary>
/// Any OpenAI-compatible chat endpoint (section <c>Mining:OpenAi</c>): Azure OpenAI's v1 endpoint
/// <c>https://RESOURCE.openai.azure.com/openai/v1/</c> with the deployment name as model and Entra ID (managed
/// identity), or a local server with a key.
/// </summary>
public sealed class OpenAiMinerOptions : IValidatableObject
{
    public const string Section = "Mining:OpenAi";

    public Uri? Endpoint { get; set; }

    /// <summary>Model, or the Azure OpenAI deployment name.</summary>
    public string? Model { get; set; }

    /// <summary>Local and test servers only. In Azure leave empty: the app's managed identity gets a bearer token.</summary>
    [LocalOnlySetting]
    public string? ApiKey { get; set; }

    /// <summary>Client id of the user-assigned managed identity (empty: DefaultAzureCredential).</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Reviews per request: fewer repeats the instructions more often, more makes one bad answer cost more.</summary>
    /// <summary>Embedding model (Azure: deployment) for merging unseen need phrases into the taxonomy; empty: off.</summary>
    public string? EmbeddingModel { get; set; }

    /// <summary>Cosine similarity at or above which an unseen phrase is merged into the nearest canonical need.</summary>
    [Range(0.5, 1.0)]
    public double MergeThreshold { get; set; } = 0.85;

    [Range(10, 30)]
    public int BatchSize { get; set; } = 20;

    [Range(1, 32)]
    public int MaxConcurrency { get; set; } = 4;

    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    [Range(1, 60_000)]
    public int BaseDelayMilliseconds { get; set; } = 500;

    /// <summary>A Retry-After longer than this is not waited for in the invocation: the batch falls back instead.</summary>
    [Range(1, 600)]
    public int MaxRetryAfterSeconds { get; set; } = 30;

    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>Consecutive failed requests (429/5xx/timeouts) that open the circuit breaker.</summary>
    [Range(1, 100)]
    public int BreakerFailures { get; set; } = 5;

    [Range(1, 3600)]
    public int BreakerOpenSeconds { get; set; } = 60;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Endpoint is null != string.IsNullOrEmpty(Model))
        {
            yield return new ValidationResult("Mining:OpenAi:Endpoint and Mining:OpenAi:Model are set together.", [nameof(Endpoint), nameof(Model)]);
        }

        if (!string.IsNullOrEmpty(EmbeddingModel) && Endpoint is null)
        {
            yield return new ValidationResult("Mining:OpenAi:EmbeddingModel needs Mining:OpenAi:Endpoint.", [nameof(EmbeddingModel)]);
        }

        if (Endpoint is { IsLoopback: false } && !string.IsNullOrEmpty(ApiKey))
        {
            yield return new ValidationResult("Mining:OpenAi:ApiKey must not be set for a remote endpoint: use managed identity.", [nameof(ApiKey)]);
        }
    }
}
