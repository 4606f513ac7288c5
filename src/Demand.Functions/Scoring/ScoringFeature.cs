using Demand.Infrastructure.Scoring;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Scoring;

public static class ScoringFeature
{
    /// <summary>The ONNX model, merchant statistics and the profile scorer (ScoreUsers, real-time events, nightly).</summary>
    public static IServiceCollection AddScoring(this IServiceCollection services, IConfiguration configuration) =>
        services.AddDemandScoring(configuration);
}
