using Demand.Core;
using Demand.Core.Messaging;
using Demand.Functions.Hosting;
using Demand.Hosting.Envelope;

namespace Demand.Functions.Triggers.ScoreUsers;

/// <summary>Queue trigger on the <c>score-requests</c> queue.</summary>
public static class ScoreUsersFunction
{
    public const string RequestBinding = "request";

    public static IServiceCollection AddScoring(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        return services;
    }

    public static IEndpointRouteBuilder MapScoreUsers(this IEndpointRouteBuilder app)
    {
        app.MapTrigger(FunctionNames.ScoreUsers, HandleAsync);
        return app;
    }

    private static Task<InvocationResult> HandleAsync(InvocationRequest request, IServiceProvider services, CancellationToken cancellationToken)
    {
        var message = request.GetJson<ScoreRequest>(RequestBinding, DemandJson.Options)
            ?? throw new InvalidDataException("The score request is empty.");
        return Task.FromResult(new InvocationResult().Log("received " + message.UserIds.Count + " users"));
    }
}
