using System.ComponentModel.DataAnnotations;
using Demand.Core;
using Demand.Core.Insights;
using Demand.Core.Messaging;
using Demand.Functions.Hosting;
using Demand.Hosting.Envelope;
using Demand.Infrastructure.Cosmos;
using Demand.Infrastructure.Scoring;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Triggers.NightlyRescore;

/// <summary>Nightly settings (section <c>Nightly</c>).</summary>
public sealed class NightlyOptions
{
    public const string Section = "Nightly";

    /// <summary>Users seen within this many days are rescored.</summary>
    [Range(1, 365)]
    public int ActiveDays { get; set; } = 30;

    /// <summary>How long a run may hold the lease before another may take over (a crashed run).</summary>
    [Range(1, 720)]
    public int LeaseMinutes { get; set; } = 60;
}

/// <summary>
/// Timer trigger (02:00 UTC): per merchant, rebuild merchant statistics (decay happens in the arithmetic as of
/// now), fan out rescoring of every active user as score-requests, and rebuild segments and the demand
/// forecast from the current profiles. A lease makes a timer firing during a run start nothing.
/// </summary>
public static class NightlyRescoreFunction
{
    public const string TimerBinding = "timer";
    public const string ScoreQueueBinding = "scoreQueue";

    public static IServiceCollection AddNightlyRescore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<NightlyOptions>().Bind(configuration.GetSection(NightlyOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<CosmosInsightsStore>();
        return services;
    }

    public static IEndpointRouteBuilder MapNightlyRescore(this IEndpointRouteBuilder app)
    {
        app.MapTrigger(FunctionNames.NightlyRescore, HandleAsync);
        return app;
    }

    private static async Task<InvocationResult> HandleAsync(InvocationRequest request, IServiceProvider services, CancellationToken cancellationToken)
    {
        _ = request.GetJson<System.Text.Json.JsonElement>(TimerBinding);
        var insights = services.GetRequiredService<CosmosInsightsStore>();
        var stats = services.GetRequiredService<MerchantStatsProvider>();
        var cosmos = services.GetRequiredService<DemandCosmos>();
        var options = services.GetRequiredService<IOptions<NightlyOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        var result = new InvocationResult();
        var holder = Guid.NewGuid().ToString("N");
        if (!await insights.TryAcquireLeaseAsync(holder, TimeSpan.FromMinutes(options.LeaseMinutes), cancellationToken))
        {
            return result.Log("another nightly run holds the lease: nothing started");
        }

        var now = time.GetUtcNow();
        var merchants = await insights.MerchantIdsAsync(cancellationToken);
        var users = 0;
        foreach (var merchantId in merchants)
        {
            var features = await MerchantStatsProvider.ReadFeaturesAsync(cosmos, merchantId, cancellationToken);
            await stats.RebuildAsync(merchantId, now, cancellationToken);
            var active = features.Where(f => now.ToUnixTimeSeconds() - f.LastSeen <= options.ActiveDays * 86_400L).Select(f => f.UserId).Order(StringComparer.Ordinal).ToList();
            result.AddMessages(ScoreQueueBinding, WorkBatcher.ScoreRequests(merchantId, active, ScoreCause.Nightly, null, now), DemandJson.Options);
            users += active.Count;

            // Segments and the forecast use tonight's profiles as they stand; the rescoring just queued refreshes them for tomorrow.
            var profiles = await insights.ProfilesAsync(merchantId, cancellationToken);
            var previous = await insights.ForecastAsync(merchantId, cancellationToken);
            await insights.SaveInsightsAsync(merchantId, InsightBuilder.Segments(merchantId, profiles, now), InsightBuilder.Forecast(merchantId, profiles, previous, now), cancellationToken);
        }

        await insights.ReleaseLeaseAsync(cancellationToken);
        return result.Log($"nightly: {merchants.Count} merchants, {users} active users queued for rescoring");
    }
}
