namespace Demand.Functions.Triggers;

/// <summary>Function folder names: the routes the host posts to (case kept, no /api prefix).</summary>
public static class FunctionNames
{
    public const string IngestLog = "IngestLog";
    public const string ScoreUsers = "ScoreUsers";
    public const string MineReviews = "MineReviews";
    public const string NightlyRescore = "NightlyRescore";
    public const string NightlyMerchant = "NightlyMerchant";
    public const string Api = "Api";

    public static IReadOnlyList<string> NonHttp { get; } = [IngestLog, ScoreUsers, MineReviews, NightlyRescore, NightlyMerchant];
}
