using Demand.Core.Identifiers;
using System.Text.Json;
using Demand.Core.Events;
using Demand.Core.Ingestion;
using Demand.Core.Storage;
using Demand.Infrastructure.Cosmos;
using Demand.Functions.Merchants;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Ingestion;

/// <summary>Real-time events from the storefront: validated like logs, merged exactly once, profiles rescored in the request.</summary>
public sealed class EventFunctions(IFeatureStore features, IIngestionStore ingestion, IProfileScorer scorer, TimeProvider time)
{
    [Function("PostEvents")]
    public async Task<Results<Ok<EventsResponse>, ValidationProblem, ProblemHttpResult>> PostEvents(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.Events)] HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > RealtimeEvents.MaxBodyBytes)
        {
            return TooLarge();
        }

        if (!request.HasJsonContentType())
        {
            return TypedResults.Problem(title: "Unsupported media type", detail: "Send application/json.", statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        // Parsed element by element: one mistyped event is rejected on its own (index and field named), never the batch.
        // Chunked bodies have no Content-Length: the same counting body as every route's, at this route's smaller limit.
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(new LimitedBody(request.Body, RealtimeEvents.MaxBodyBytes), cancellationToken: cancellationToken);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge();
        }
        catch (JsonException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [$"Malformed JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine})."] });
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("events", out var array) || array.ValueKind != JsonValueKind.Array)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["events"] = ["Send {\"events\": [ … ]} with 1 to 500 events."] });
            }

            var events = new List<EventRequest?>(array.GetArrayLength());
            var malformed = new Dictionary<int, string>();
            foreach (var element in array.EnumerateArray())
            {
                var index = events.Count;
                if (element.ValueKind != JsonValueKind.Object)
                {
                    events.Add(null);
                    malformed[index] = "invalid_event";
                    continue;
                }

                try
                {
                    events.Add(element.Deserialize<EventRequest>(JsonSerializerOptions.Web));
                }
                catch (JsonException ex)
                {
                    events.Add(null);
                    malformed[index] = "invalid_field:" + (ex.Path ?? "$").TrimStart('$', '.');
                }
            }

            var result = await RealtimeEvents.AcceptAsync(request.RouteMerchant(), events, malformed, features, ingestion, scorer, time, cancellationToken);
            return result.Result switch
            {
                Ok<EventsResponse> ok => ok,
                ValidationProblem problem => problem,
                _ => throw new InvalidOperationException("Unexpected result."),
            };
        }
    }

    private static ProblemHttpResult TooLarge() => RequestBodyMiddleware.TooLarge(RealtimeEvents.MaxBodyBytes);
}

/// <summary>The handler behind <see cref="EventFunctions"/>, also described in OpenAPI.</summary>
public static class RealtimeEvents
{
    public const int MaxEvents = 500;

    /// <summary>500 events with review texts fit comfortably; anything larger is not a storefront batch.</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    /// <summary>The described handler (OpenAPI): a batch that deserialized whole.</summary>
    public static Task<Results<Ok<EventsResponse>, ValidationProblem>> PostEvents(
        MerchantId merchantId, EventsRequest request, [FromServices] IFeatureStore features, [FromServices] IIngestionStore ingestion, [FromServices] IProfileScorer scorer, [FromServices] TimeProvider time, CancellationToken cancellationToken) =>
        AcceptAsync(merchantId, request.Events, null, features, ingestion, scorer, time, cancellationToken);

    /// <summary>
    /// Validates, dedupes, merges and rescores; <paramref name="malformed"/> holds the reasons of elements that did not
    /// deserialize (their slot in <paramref name="events"/> is null), so indexes in the answer match the request.
    /// </summary>
    public static async Task<Results<Ok<EventsResponse>, ValidationProblem>> AcceptAsync(
        MerchantId merchantId, IReadOnlyList<EventRequest?>? events, IReadOnlyDictionary<int, string>? malformed, IFeatureStore features, IIngestionStore ingestion, IProfileScorer scorer, TimeProvider time, CancellationToken cancellationToken)
    {
        if (events is not { Count: > 0 and <= MaxEvents })
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["events"] = [$"Send 1 to {MaxEvents} events."] });
        }

        var now = time.GetUtcNow();
        var rejected = new List<EventRejection>();
        var accepted = new List<BehaviourEvent>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var indexes = new List<int>();
        var duplicates = 0;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            RejectReason? reason;
            BehaviourEvent? parsed = null;
            if (e is null)
            {
                rejected.Add(new EventRejection(i, null, malformed?.GetValueOrDefault(i) ?? "invalid_event"));
                continue;
            }

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
                // The validator applies the user id rule, so accepted events parse as UserId below.
                reason = e.Timestamp is null ? RejectReason.MissingTimestamp : EventValidator.Validate(parsed, now);
            }

            if (reason is { } r)
            {
                rejected.Add(new EventRejection(i, e.EventId, r.WireName()));
            }
            else if (!seen.Add(e.EventId))
            {
                duplicates++;
            }
            else
            {
                accepted.Add(parsed!);
                indexes.Add(i);
            }
        }

        // Erased shoppers: one point read per shopper of the batch (never the merchant's whole tombstone list).
        var erased = new HashSet<string>(StringComparer.Ordinal);
        foreach (var user in accepted.Select(a => a.UserId).Distinct(StringComparer.Ordinal))
        {
            if (await ingestion.IsErasedAsync(merchantId, UserId.Parse(user), cancellationToken))
            {
                erased.Add(user);
            }
        }

        if (erased.Count > 0)
        {
            for (var a = accepted.Count - 1; a >= 0; a--)
            {
                if (erased.Contains(accepted[a].UserId))
                {
                    rejected.Add(new EventRejection(indexes[a], accepted[a].EventId, RejectReason.UserErased.WireName()));
                    accepted.RemoveAt(a);
                    indexes.RemoveAt(a);
                }
            }
        }

        // Exactly once per event id: each shopper's state remembers the ids it counted (30 days of event time), so a
        // retried batch, a batch re-sent with one more event, or the same event in tonight's log counts once.
        var aggregator = new FeatureAggregator(merchantId);
        for (var a = 0; a < accepted.Count; a++)
        {
            aggregator.Add(accepted[a], indexes[a]);
        }

        var merged = 0;
        var counted = new HashSet<int>(indexes);
        foreach (var partial in aggregator.Partials)
        {
            var result = await features.MergeAsync(null, partial, cancellationToken);
            merged += result.Events.Counted > 0 ? 1 : 0;
            duplicates += result.Events.Duplicates.Count;
            counted.ExceptWith(result.Events.Duplicates);
            foreach (var index in result.Events.Unverifiable)
            {
                counted.Remove(index);
                rejected.Add(new EventRejection(index, events[index]!.EventId, RejectReason.TooOldToDeduplicate.WireName()));
            }
        }

        accepted = [.. accepted.Where((_, a) => counted.Contains(indexes[a]))];
        rejected.Sort((x, y) => x.Index.CompareTo(y.Index));
        var users = accepted.Select(a => UserId.Parse(a.UserId)).Distinct().ToList();
        if (users.Count > 0)
        {
            // As of the newest accepted event (the merchant's data time), as ingestion does, not the wall clock.
            await scorer.ScoreAsync(merchantId, users, accepted.Max(a => a.Timestamp), cancellationToken);
        }

        return TypedResults.Ok(new EventsResponse(accepted.Count, duplicates, rejected, users.Count, merged));
    }
}

public sealed record EventsRequest(IReadOnlyList<EventRequest?>? Events);

public sealed record EventRequest(
    string? EventId, string? UserId, string? Type, DateTimeOffset? Timestamp, string? ProductId, string? CategoryId,
    decimal? Price, int? Quantity, string? Query, int? Rating, string? Text, string? SessionId);

public sealed record EventRejection(int Index, string? EventId, string Reason);

public sealed record EventsResponse(int Accepted, int Duplicates, IReadOnlyList<EventRejection> Rejected, int UsersRescored, int UsersMerged);
