using System.Text.Json.Serialization;

namespace Demand.Core.Scoring;

/// <summary>
/// The <c>insights</c> document <c>model</c> of a merchant: which ranker serves its profiles (the active version), the
/// back-test figures of the last training next to the baselines, the history of promotions, and the outcomes of what
/// was served (<see cref="OutcomeTracking"/>). Versions other than
/// the global model are ONNX files in blob storage (<c>models/&lt;merchantId&gt;/&lt;version&gt;.onnx</c>).
/// </summary>
public sealed class MerchantModelState
{
    public const string DocumentId = "model";
    public const int MaxHistory = 50;

    [JsonPropertyName("id")]
    public string Id { get; init; } = DocumentId;

    public required string MerchantId { get; init; }

    public string Type { get; init; } = "merchantModel";

    /// <summary>The version profiles are scored with; null: the global model (no training has run or promoted yet).</summary>
    public string? ActiveVersion { get; set; }

    public CandidateKind ActiveKind { get; set; } = CandidateKind.Global;

    public string? ActiveName { get; set; }

    /// <summary>The last training run, whether it promoted or kept the champion.</summary>
    public TrainingRun? LastRun { get; set; }

    public List<Promotion> Promotions { get; set; } = [];

    /// <summary>What served predictions were worth once their horizon passed, oldest first (at most <see cref="MaxHistory"/>).</summary>
    public List<ModelOutcome> Outcomes { get; set; } = [];

    [JsonPropertyName("_etag")]
    public string? ETag { get; set; }
}

/// <summary>One training run: when, on which data, the back-test figures of every candidate and the gate's reason.</summary>
public sealed record TrainingRun
{
    public required DateTimeOffset At { get; init; }

    /// <summary>The merchant's data time the run trained up to (newest day of its logs).</summary>
    public required DateOnly HistoryEnd { get; init; }

    public required DateOnly BackTestFrom { get; init; }

    public required int TrainingPairs { get; init; }

    public required int SampledOutPairs { get; init; }

    public required int BackTestBuyers { get; init; }

    public required IReadOnlyList<CandidateFigures> BackTest { get; init; }

    public required string Winner { get; init; }

    public required bool Promoted { get; init; }

    public required string Reason { get; init; }

    public string? MerchantModelSkipped { get; init; }

    /// <summary>The outcomes pooled per recipe when the run started (<see cref="LiveEvidence"/>).</summary>
    public IReadOnlyList<LiveRecord> Live { get; init; } = [];

    /// <summary>Candidates left out of the gate because their recipe lost on live outcomes, each with why.</summary>
    public IReadOnlyList<string> LeftOut { get; init; } = [];
}

public sealed record CandidateFigures(string Name, CandidateKind Kind, double Auc, double RecallAt5);

/// <summary>A version that became active, with the back-test that earned it.</summary>
public sealed record Promotion(string Version, string Name, CandidateKind Kind, DateTimeOffset At, double Auc, double RecallAt5, double BestBaselineRecallAt5, string Reason);
