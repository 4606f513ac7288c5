using Demand.Core.Identifiers;
using Demand.Core.Insights;
using Demand.Core.Messaging;
using Demand.Core.Scoring;
using Demand.Infrastructure.Cosmos;
using Demand.Infrastructure.Scoring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Nightly;

/// <summary>
/// One merchant's share of a night. Rebuilds merchant statistics as of the
/// merchant's data time (its newest event, at most the night's instant; decay is arithmetic as of that instant), segments and the demand forecast from the profiles as they stand,
/// and product need summaries, tracks outcomes (<see cref="OutcomeTracker"/>); then returns score-requests for every user active in the last <c>Nightly:ActiveDays</c>.
/// <para>
/// Checkpoint (<see cref="NightlyMerchantProgress"/>): the Cosmos steps are recorded right after their writes return,
/// so a retry skips them. The score-requests are different: the host writes them only if this invocation succeeds,
/// after it returns, and nothing runs after that to record it. So the mark names the message being processed
/// (<see cref="NightlyMerchantProgress.ScoreRequestsEmittedBy"/>), written just before returning, and is read as:
/// </para>
/// <list type="bullet">
/// <item>by a <b>different</b> message (a duplicate dispatch by a rerun of the timer): finished — the marking
/// invocation either succeeded, so its messages exist, or failed, so the host redelivers <i>its</i> message;</item>
/// <item>by the <b>same</b> message id: the host only redelivers a message whose invocation did not succeed
/// (successful invocations delete it after writing the outputs), so the earlier attempt's score-requests were
/// discarded and are emitted again — a crash between marking and returning loses nothing.</item>
/// </list>
/// <para>
/// The one way to emit twice is the host's own at-least-once gap (outputs written, instance lost before the message
/// is deleted). Rescoring a user twice as of the same instant writes the same profile, so that costs work, not
/// correctness.
/// </para>
/// </summary>
public sealed partial class NightlyMerchantRun(
    CosmosInsightsStore insights,
    CosmosReviewNeedStore reviewNeeds,
    DemandCosmos cosmos,
    MerchantStatsProvider stats,
    OutcomeTracker outcomes,
    IOptions<NightlyOptions> nightlyOptions,
    TimeProvider time,
    ILogger<NightlyMerchantRun> logger,
    INightlyHooks? hooks = null)
{
    /// <summary>Runs (or resumes) <paramref name="message"/>'s share of the night; <paramref name="messageId"/> is the queue message's id.</summary>
    public async Task<IReadOnlyList<ScoreRequest>> RunAsync(NightlyMerchantRequest message, string messageId, CancellationToken cancellationToken)
    {
        var options = nightlyOptions.Value;
        var merchantId = message.MerchantId;
        var night = message.Night;
        var asOf = message.AsOf;

        var skip = (string?)null;
        var progress = await insights.UpdateProgressAsync(merchantId, night, p =>
        {
            var now = time.GetUtcNow();
            if (p.ScoreRequestsEmittedBy is not null && p.ScoreRequestsEmittedBy != messageId)
            {
                skip = "already finished";
                return false;
            }

            if (p.ClaimedBy is not null && p.ClaimedBy != messageId && p.ClaimedUntil > now && p.ScoreRequestsEmittedBy is null)
            {
                skip = "claimed by another message";
                return false;
            }

            skip = null;
            p.ClaimedBy = messageId;
            p.ClaimedUntil = now.AddMinutes(options.LeaseMinutes);
            p.Attempts++;
            return true;
        }, cancellationToken);
        if (skip is not null)
        {
            LogSkipped(night, merchantId, skip);
            return [];
        }

        // Everything below is as of the merchant's data time (its newest event), not the night: a merchant whose log
        // ended weeks ago keeps the profiles that log implies instead of decaying to nothing, and its active users are
        // those active before that log ended. A merchant uploading daily has a data time just before the night.
        var nightAt = message.AsOf.ToUnixTimeSeconds();
        var dataTime = await MerchantStatsProvider.DataTimeAsync(cosmos, merchantId, cancellationToken);
        if (dataTime == 0 || dataTime > nightAt)
        {
            dataTime = nightAt;
        }

        asOf = DateTimeOffset.FromUnixTimeSeconds(dataTime);

        // One streamed pass over the merchant's shoppers: statistics and the active ids, never every document at once.
        var since = dataTime - (options.ActiveDays * 86_400L);
        var builder = new MerchantStatsBuilder(merchantId, dataTime);
        var active = new List<string>();
        var outcomePass = progress.OutcomesTrackedAt is null ? await outcomes.BeginAsync(MerchantId.Parse(merchantId), dataTime, cancellationToken) : null;
        await foreach (var user in MerchantStatsProvider.StreamFeaturesAsync(cosmos, merchantId, cancellationToken))
        {
            builder.Add(user);
            var isActive = user.LastSeen >= since;
            if (isActive)
            {
                active.Add(user.UserId);
            }

            outcomePass?.Observe(user, isActive);
        }

        var merchantStats = builder.Build();

        active.Sort(StringComparer.Ordinal);
        var done = new List<string>();
        if (progress.StatsRebuiltAt is null)
        {
            await stats.SaveAsync(merchantId, merchantStats, cancellationToken);
            progress = await MarkAsync(NightlyStep.StatsRebuilt, p => p.StatsRebuiltAt = time.GetUtcNow());
        }

        if (progress.InsightsSavedAt is null)
        {
            // Segments and the forecast use the profiles as they stand; the rescoring queued below refreshes them for tomorrow.
            var segments = new InsightBuilder();
            await foreach (var profile in insights.ProfilesAsync(merchantId, cancellationToken))
            {
                segments.Add(profile);
            }

            var previous = await insights.ForecastAsync(merchantId, cancellationToken);
            await insights.SaveInsightsAsync(merchantId, segments.Segments(merchantId, asOf), segments.Forecast(merchantId, previous, asOf), cancellationToken);
            progress = await MarkAsync(NightlyStep.InsightsSaved, p => p.InsightsSavedAt = time.GetUtcNow());
        }

        if (progress.ProductNeedsRebuiltAt is null)
        {
            // Summaries are rebuilt after every mining batch and erasure already; nightly catches any the crash of one
            // missed, refreshes the week-over-week trend, and rebuilds the category summaries from them.
            await reviewNeeds.RebuildSummariesAsync(merchantId, await insights.ReviewedProductIdsAsync(merchantId, cancellationToken), null, cancellationToken);

            progress = await MarkAsync(NightlyStep.ProductNeedsRebuilt, p => p.ProductNeedsRebuiltAt = time.GetUtcNow());
        }

        if (outcomePass is not null)
        {
            // Outcomes of snapshots whose horizon has passed, then today's snapshot of what the served model predicts.
            await outcomes.CompleteAsync(MerchantId.Parse(merchantId), outcomePass, merchantStats, dataTime, cancellationToken);
            progress = await MarkAsync(NightlyStep.OutcomesTracked, p => p.OutcomesTrackedAt = time.GetUtcNow());
        }

        var requests = WorkBatcher.ScoreRequests(merchantId, active, ScoreCause.Nightly, NightlyRun.IdFor(night), asOf);
        await MarkAsync(NightlyStep.ScoreRequestsMarked, p =>
        {
            p.ScoreRequestsEmittedBy = messageId;
            p.ActiveUsers = active.Count;
            p.ScoreRequests = requests.Count;
        });

        var resumed = 5 - done.Count;
        LogFinished(night, merchantId, active.Count, requests.Count, resumed);
        return requests;

        async Task<NightlyMerchantProgress> MarkAsync(NightlyStep step, Action<NightlyMerchantProgress> mark)
        {
            var updated = await insights.UpdateProgressAsync(merchantId, night, p =>
            {
                mark(p);
                return true;
            }, cancellationToken);
            done.Add(step.ToString());
            if (hooks is not null)
            {
                await hooks.AfterStepAsync(merchantId, step, cancellationToken);
            }

            return updated;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Nightly {Night} {Merchant}: {Reason}, nothing to do")]
    private partial void LogSkipped(string night, string merchant, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Nightly {Night} {Merchant}: {Active} active users in {Requests} score requests ({StepsDoneBefore} steps done before)")]
    private partial void LogFinished(string night, string merchant, int active, int requests, int stepsDoneBefore);
}
