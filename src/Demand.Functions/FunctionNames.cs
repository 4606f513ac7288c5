namespace Demand.Functions;

/// <summary>Names of the non-HTTP functions (what the host shows, logs and <c>demand trigger</c> takes).</summary>
public static class FunctionNames
{
    public const string IngestLog = "IngestLog";
    public const string ScoreUsers = "ScoreUsers";
    public const string MineReviews = "MineReviews";
    public const string NightlyRescore = "NightlyRescore";
    public const string NightlyMerchant = "NightlyMerchant";
    public const string TrainModels = "TrainModels";
    public const string TrainMerchant = "TrainMerchant";

    /// <summary>Queues between the functions (on the <c>LogsStorage</c> connection).</summary>
    public const string ScoreQueue = "score-requests";
    public const string MineQueue = "mine-requests";
    public const string NightlyQueue = "nightly-merchants";
    public const string TrainQueue = "train-requests";

    public static IReadOnlyList<string> NonHttp { get; } = [IngestLog, ScoreUsers, MineReviews, NightlyRescore, NightlyMerchant, TrainModels, TrainMerchant];
}
