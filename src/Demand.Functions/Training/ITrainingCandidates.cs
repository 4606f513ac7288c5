using Demand.Core.Identifiers;
using Demand.Core.Scoring;

namespace Demand.Functions.Training;

/// <summary>Extra candidates for the gate (a challenger shipped outside the app's own training; tests use it for a deliberately bad one).</summary>
public interface ITrainingCandidates
{
    IReadOnlyList<GateCandidate> For(MerchantId merchantId);
}
