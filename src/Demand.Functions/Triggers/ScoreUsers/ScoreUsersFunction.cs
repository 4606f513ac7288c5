using Demand.Core;
using Demand.Core.Messaging;
using Demand.Core.Storage;
using Demand.Functions.Hosting;
using Demand.Hosting.Envelope;
using Demand.Infrastructure.Scoring;

namespace Demand.Functions.Triggers.ScoreUsers;

/// <summary>Queue trigger on <c>score-requests</c>: candidates → pair features → ONNX → profile categories.</summary>
public static class ScoreUsersFunction
{
    public const string RequestBinding = "request";

    public static IServiceCollection AddScoring(this IServiceCollection services, IConfiguration configuration) =>
        services.AddDemandScoring(configuration);

    public static IEndpointRouteBuilder MapScoreUsers(this IEndpointRouteBuilder app)
    {
        app.MapTrigger(FunctionNames.ScoreUsers, HandleAsync);
        return app;
    }

    private static async Task<InvocationResult> HandleAsync(InvocationRequest request, IServiceProvider services, CancellationToken cancellationToken)
    {
        var message = request.GetJson<ScoreRequest>(RequestBinding, DemandJson.Options)
            ?? throw new InvalidDataException("The score request is empty.");
        if (message.UserIds.Count > ScoreRequest.MaxUsers)
        {
            throw new InvalidDataException($"A score request holds at most {ScoreRequest.MaxUsers} users.");
        }

        var result = await services.GetRequiredService<IProfileScorer>().ScoreAsync(message.MerchantId, message.UserIds, message.AsOf, cancellationToken);
        return new InvocationResult().Log($"scored {result.Scored} users of {message.MerchantId} with {result.ModelVersion} ({result.Missing} without features)");
    }
}
