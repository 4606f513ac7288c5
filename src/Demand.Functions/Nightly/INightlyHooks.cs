namespace Demand.Functions.Nightly;

/// <summary>Points in a nightly merchant run where tests inject a crash (never registered in the app).</summary>
public interface INightlyHooks
{
    /// <summary>Called after a step's effects are durable and recorded in the merchant's progress.</summary>
    Task AfterStepAsync(string merchantId, NightlyStep step, CancellationToken cancellationToken);
}

/// <summary>The recorded steps of one merchant's night, in order.</summary>
public enum NightlyStep
{
    StatsRebuilt,
    InsightsSaved,
    ProductNeedsRebuilt,
    OutcomesTracked,
    ScoreRequestsMarked,
}
