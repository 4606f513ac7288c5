using System.Security.Cryptography;
using System.Text;
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
            return TypedResults.Problem(title: "Body too large", detail: $"Send at most {RealtimeEvents.MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        if (!request.HasJsonContentType())
        {
            return TypedResults.Problem(title: "Unsupported media type", detail: "Send application/json.", statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        // Parsed element by element: one mistyped event is rejected on its own (index and field named), never the batch.
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
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

            var result = await RealtimeEvents.AcceptAsync(request.Route("merchantId"), events, malformed, features, ingestion, scorer, time, cancellationToken);
            return result.Result switch
            {
                Ok<EventsResponse> ok => ok,
                ValidationProblem problem => problem,
                _ => throw new InvalidOperationException("Unexpected result."),
            };
        }
    }
}
/// <summary>The handler behind <see cref="EventFunctions"/>, also described in OpenAPI.</summary>
public static class RealtimeEvents
{
    public const int MaxEvents = 500;

    /// <summary>500 events with review texts fit comfortably; anything larger is not a storefront batch.</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    /// <summary>The described handler (OpenAPI): a batch that deserialized whole.</summary>
    public static Task<Results<Ok<EventsResponse>, ValidationProblem>> PostEvents(
        string merchantId, EventsRequest request, [FromServices] IFeatureStore features, [FromServices] IIngestionStore ingestion, [FromServices] IProfileScorer scorer, [FromServices] TimeProvider time, CancellationToken cancellationToken) =>
        AcceptAsync(merchantId, request.Events, null, features, ingestion, scorer, time, cancellationToken);

    /// <summary>
    /// Validates, dedupes, merges and rescores; <paramref name="malformed"/> holds the reasons of elements that did not
    /// deserialize (their slot in <paramref name="events"/> is null), so indexes in the answer match the request.
    /// </summary>
    public static async Task<Results<Ok<EventsResponse>, ValidationProblem>> AcceptAsync(
        string merchantId, IReadOnlyList<EventRequest?>? events, IReadOnlyDictionary<int, string>? malformed, IFeatureStore features, IIngestionStore ingestion, IProfileScorer scorer, TimeProvider time, CancellationToken cancellationToken)
    {
        if (events is not { Count: > 0 and <= MaxEvents })
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["events"] = [$"Send 1 to {MaxEvents} events."] });
        }

        var now = time.GetUtcNow();
        var tombstones = await ingestion.GetTombstonesAsync(merchantId, cancellationToken);
        var rejected = new List<EventRejection>();
        var accepted = new List<BehaviourEvent>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
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
