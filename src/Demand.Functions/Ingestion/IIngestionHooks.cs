namespace Demand.Functions.Ingestion;

/// <summary>Called after each user's features are merged; tests use it to fail an ingestion half-way (never registered in the app).</summary>
public interface IIngestionHooks
{
    void AfterUserMerged(string merchantId, string userId, int mergedSoFar);
}
