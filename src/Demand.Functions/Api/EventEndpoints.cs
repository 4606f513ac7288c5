using System.Security.Cryptography;
using System.Text;
using Demand.Core.Events;
using Demand.Core.Ingestion;
using Demand.Core.Storage;
using Demand.Infrastructure.Cosmos;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Demand.Functions.Api;

/// <summary>Real-time events from the storefront: validated like logs, merged exactly once, profiles rescored in the request.</summary>
internal static class EventEndpoints
{
    public const int MaxEvents = 500;

    public static RouteGroupBuilder MapEvents(this RouteGroupBuilder merchant)
    {
        merchant.MapPost("/events", PostEvents).WithTags("Events").WithName("PostEvents")
            .WithSummary("Up to 500 events; each is validated with the log rules, merged once, and the shoppers' profiles are rescored before the response.");
        return merchant;
    }

    internal static async Task<Results<Ok<EventsResponse>, ValidationProblem>> PostEvents(
        string merchantId, EventsRequest request, IFeatureStore features, IIngestionStore ingestion, IProfileScorer scorer, TimeProvider time, CancellationToken cancellationToken)
    {
        if (request.Events is not { Count: > 0 and <= MaxEvents })
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["events"] = [$"Send 1 to {MaxEvents} events."] });
        }

        var now = time.GetUtcNow();
        var tombstones = await ingestion.GetTombstonesAsync(merchantId, cancellationToken);
        var rejected = new List<EventRejection>();
        var accepted = new List<BehaviourEvent>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = 0;
        for (var i = 0; i < request.Events.Count; i++)
        {
            var e = request.Events[i];
            RejectReason? reason;
            BehaviourEvent? parsed = null;
            if (string.IsNullOrEmpty(e.EventId))
            {
                rejected.Add(new EventRejection(i, e.EventId, "missing_event_id"));
                continue;
            }

            if (!EventTypes.TryParse(e.Type, out var type))
            {
                reason = RejectReason.UnknownType;
            }
            else
            {
                parsed = new BehaviourEvent
                {
                    EventId = e.EventId, UserId = e.UserId ?? "", Type = type, Timestamp = e.Timestamp ?? DateTimeOffset.MinValue, ProductId = e.ProductId, CategoryId = e.CategoryId,
                    Price = e.Price, Quantity = e.Quantity, Query = e.Query, Rating = e.Rating, Text = e.Text, SessionId = e.SessionId,
                };
                reason = e.Timestamp is null ? RejectReason.MissingTimestamp : EventValidator.Validate(parsed, now);
            }

            if (reason is { } r)
            {
                rejected.Add(new EventRejection(i, e.EventId, r.WireName()));
            }
            else if (tombstones.Contains(Tombstones.Id(merchantId, parsed!.UserId)))
            {
                rejected.Add(new EventRejection(i, e.EventId, RejectReason.UserErased.WireName()));
            }
            else if (!seen.Add(e.EventId))
            {
                duplicates++;
            }
            else
            {
                accepted.Add(parsed!);
            }
        }

        // Exactly once per batch content: a retried batch carries the same event ids, hence the same part id per user.
        var merged = 0;
        foreach (var partial in FeatureAggregator.Aggregate(merchantId, accepted))
        {
            var ids = string.Join('\n', accepted.Where(a => a.UserId == partial.UserId).Select(a => a.EventId).Order(StringComparer.Ordinal));
            var partId = "rt." + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ids)).AsSpan(0, 12));
            merged += await features.MergeAsync(partId, partial, cancellationToken) == MergeOutcome.Merged ? 1 : 0;
        }

        var users = accepted.Select(a => a.UserId).Distinct(StringComparer.Ordinal).ToList();
        if (users.Count > 0)
        {
            await scorer.ScoreAsync(merchantId, users, now, cancellationToken);
        }

        return TypedResults.Ok(new EventsResponse(accepted.Count, duplicates, rejected, users.Count, merged));
    }
}

public sealed record EventsRequest(IReadOnlyList<EventRequest>? Events);

public sealed record EventRequest(
    string? EventId, string? UserId, string? Type, DateTimeOffset? Timestamp, string? ProductId, string? CategoryId,
    decimal? Price, int? Quantity, string? Query, int? Rating, string? Text, string? SessionId);

public sealed record EventRejection(int Index, string? EventId, string Reason);

public sealed record EventsResponse(int Accepted, int Duplicates, IReadOnlyList<EventRejection> Rejected, int UsersRescored, int UsersMerged);
