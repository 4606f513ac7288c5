using System.ComponentModel.DataAnnotations;

namespace Demand.Infrastructure.Scoring;

/// <summary>The demand model (section <c>Model</c>).</summary>
public sealed class ModelOptions
{
    public const string Section = "Model";

    /// <summary>ONNX file; relative paths are resolved from the app folder.</summary>
    [Required]
    public string Path { get; set; } = "models/demand-mlp.onnx";

    /// <summary>Categories kept per profile.</summary>
    [Range(1, 50)]
    public int TopK { get; set; } = 10;

    /// <summary>Merchant statistics older than this are rebuilt from the features container.</summary>
    [Range(1, 10_080)]
    public int StatsMaxAgeMinutes { get; set; } = 1_440;

    /// <summary>
    /// Score batches computed at once per instance (ScoreUsers, real-time events, nightly); more wait. Each holds its
    /// users' features and the ONNX inputs: with the queue's own batch limits (host.json) this bounds the worker's memory.
    /// </summary>
    [Range(1, 64)]
    public int MaxConcurrentBatches { get; set; } = 4;
}
