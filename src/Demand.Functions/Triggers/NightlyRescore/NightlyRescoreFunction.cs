using System.ComponentModel.DataAnnotations;
using Demand.Core;
using Demand.Core.Insights;
using Demand.Core.Messaging;
using Demand.Functions.Hosting;
using Demand.Hosting.Definitions;
using Demand.Hosting.Envelope;
using Demand.Hosting.Scheduling;
using Demand.Infrastructure.Cosmos;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Triggers.NightlyRescore;

/// <summary>Nightly settings (section <c>Nightly</c>).</summary>
public sealed class NightlyOptions
{
    public const string Section = "Nightly";

    /// <summary>Users seen within this many days are rescored.</summary>
    [Range(1, 365)]
    public int ActiveDays { get; set; } = 30;

    /// <summary>
    /// How long a run may hold the lease (and a merchant invocation its claim) before another may take over: a crashed
    /// holder blocks the next start at most this long.
    /// </summary>
    [Range(1, 720)]
    public int LeaseMinutes { get; set; } = 60;
}

/// <summary>Points in a nightly merchant invocation where tests inject a crash (never registered in the app).</summary>
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
    ScoreRequestsMarked,
}

/// <summary>
/// Timer trigger (02:00 UTC): starts (or resumes) the night and dispatches one <c>nightly-merchants</c> message per
/// merchant whose share is not finished; <c>NightlyMerchant</c> does the work. A lease makes a timer firing during a
/// dispatch start nothing; a night whose merchants are all finished dispatches nothing, however often it fires.
/// <para>
/// Why a queue per merchant instead of doing everything here: the host writes output-binding messages only when the
/// invocation succeeds. One invocation that returned every merchant's score-requests could never record which of
/// them were delivered (a crash after recording loses them, a crash before recording repeats all of them). A queue
/// invocation per merchant can: see <c>NightlyMerchantFunction</c>.
/// </para>
/// </summary>
public static class NightlyRescoreFunction
{
    public const string TimerBinding = "timer";
    public const string MerchantQueueBinding = "merchantQueue";

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
        var options = services.GetRequiredService<IOptions<NightlyOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        var result = new InvocationResult();
        var holder = Guid.NewGuid().ToString("N");
        if (!await insights.TryAcquireLeaseAsync(holder, TimeSpan.FromMinutes(options.LeaseMinutes), cancellationToken))
        {
            return result.Log("another nightly run holds the lease: nothing started");
        }

        try
        {
            var now = time.GetUtcNow();
            var night = NightlyRun.NightOf(ScheduledOccurrence(now));
            var run = await insights.StartNightAsync(night, now, cancellationToken);
            var merchants = await insights.MerchantIdsAsync(cancellationToken);
            var dispatched = new List<NightlyMerchantRequest>();
            var finished = 0;
            var inProgress = 0;
            foreach (var merchantId in merchants)
            {
                var progress = await insights.ProgressAsync(merchantId, night, cancellationToken);
                if (progress?.ScoreRequestsEmittedBy is not null)
                {
                    finished++;
                }
                else if (progress?.ClaimedUntil > now)
                {
                    // A merchant invocation is at work (or crashed and awaits the host's retry of its message): leave it.
                    inProgress++;
                }
                else
                {
                    // Never started, or its message may still be queued: a duplicate costs the merchant invocation one read.
                    dispatched.Add(new NightlyMerchantRequest { MerchantId = merchantId, Night = night, AsOf = run.AsOf });
                }
            }

            result.AddMessages(MerchantQueueBinding, dispatched, DemandJson.Options);
            return result.Log($"nightly {night}: {merchants.Count} merchants, {dispatched.Count} dispatched, {inProgress} in progress, {finished} finished (start {run.Dispatches})");
        }
        finally
        {
            await insights.ReleaseLeaseAsync(holder, CancellationToken.None);
        }
    }

    /// <summary>
    /// The scheduled occurrence a run belongs to: the latest occurrence of this function's schedule at or before
    /// <paramref name="now"/>. A past-due run after downtime, a rerun after a crash and a manual trigger later that day
    /// all resume the same night; the next scheduled occurrence starts a new one.
    /// </summary>
    internal static DateTimeOffset ScheduledOccurrence(DateTimeOffset now)
    {
        if (Schedule.Value is not { } schedule)
        {
            return now;
        }

        var occurrence = now;
        for (var t = schedule.Next(now.AddDays(-8)); t <= now; t = schedule.Next(t))
        {
            occurrence = t;
        }

        return occurrence;
    }

    private static readonly Lazy<CronSchedule?> Schedule = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, FunctionNames.NightlyRescore, "function.json");
        return File.Exists(path) && FunctionDefinition.Load(FunctionNames.NightlyRescore, File.ReadAllText(path)).Trigger.Schedule is { } expression
            ? CronSchedule.Parse(expression)
            : null;
    });
}
