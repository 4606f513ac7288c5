using Demand.Core.Insights;
using Demand.Core.Messaging;
using Demand.Infrastructure.Cosmos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Nightly;

/// <summary>
/// Starts (or resumes) the night and returns one <c>nightly-merchants</c> message per merchant whose share is not
/// finished; <see cref="NightlyMerchantRun"/> does the work. A lease makes a timer firing during a dispatch start
/// nothing; a night whose merchants are all finished dispatches nothing, however often it fires.
/// <para>
/// Why a queue per merchant instead of doing everything here: the host writes output-binding messages only when the
/// invocation succeeds. One invocation that returned every merchant's score-requests could never record which of
/// them were delivered (a crash after recording loses them, a crash before recording repeats all of them). A queue
/// invocation per merchant can: see <see cref="NightlyMerchantRun"/>.
/// </para>
/// </summary>
public sealed partial class NightlyDispatch(CosmosInsightsStore insights, IOptions<NightlyOptions> options, TimeProvider time, ILogger<NightlyDispatch> logger)
{
    /// <summary>The timer's NCRONTAB schedule: 02:00 UTC daily.</summary>
    public const string Schedule = "0 0 2 * * *";

    private static readonly TimeSpan ScheduledTimeOfDay = TimeSpan.FromHours(2);

    public async Task<IReadOnlyList<NightlyMerchantRequest>> RunAsync(CancellationToken cancellationToken)
    {
        var holder = Guid.NewGuid().ToString("N");
        if (!await insights.TryAcquireLeaseAsync(holder, TimeSpan.FromMinutes(options.Value.LeaseMinutes), cancellationToken))
        {
            LogLeaseHeld();
            return [];
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

            LogDispatched(night, merchants.Count, dispatched.Count, inProgress, finished, run.Dispatches);
            return dispatched;
        }
        finally
        {
            await insights.ReleaseLeaseAsync(holder, CancellationToken.None);
        }
    }

    /// <summary>
    /// The scheduled occurrence a run belongs to: the latest 02:00 UTC at or before <paramref name="now"/>. A past-due
    /// run after downtime, a rerun after a crash and a manual trigger later that day all resume the same night; the
    /// next scheduled occurrence starts a new one.
    /// </summary>
    public static DateTimeOffset ScheduledOccurrence(DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        var today = new DateTimeOffset(utc.Date, TimeSpan.Zero) + ScheduledTimeOfDay;
        return today <= utc ? today : today.AddDays(-1);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Another nightly run holds the lease: nothing started")]
    private partial void LogLeaseHeld();

    [LoggerMessage(Level = LogLevel.Information, Message = "Nightly {Night}: {Merchants} merchants, {Dispatched} dispatched, {InProgress} in progress, {Finished} finished (start {Start})")]
    private partial void LogDispatched(string night, int merchants, int dispatched, int inProgress, int finished, int start);
}
