using System.Text;
using Demand.Core.Events;

namespace Demand.Core.Ingestion;

/// <summary>
/// What validation needs to know about one event, without its strings: lengths are UTF-8 bytes (0 = absent).
/// The log parser fills it from raw bytes; <see cref="EventValidator.Validate(BehaviourEvent, DateTimeOffset)"/> from an event.
/// </summary>
public readonly record struct EventShape(
    EventType Type,
    long UnixSeconds,
    int EventIdBytes,
    int UserIdBytes,
    int ProductIdBytes,
    int CategoryIdBytes,
    int QueryBytes,
    int TextBytes,
    int SessionIdBytes,
    double? Price,
    int? Quantity,
    int? Rating);

/// <summary>
/// The one set of event rules, shared by log ingestion and real-time events (docs/log-format.md, "Validation").
/// </summary>
public static class EventValidator
{
    public const int MaxIdBytes = 128;
    public const int MaxQueryBytes = 512;
    public const int MaxTextBytes = 8_000;

    /// <summary>Events more than this far ahead of "now" are rejected (clock skew and time-zone slips are tolerated).</summary>
    public static readonly TimeSpan FutureTolerance = TimeSpan.FromDays(1);

    /// <summary>Anything before this instant is a broken clock or a unit mix-up (ms read as s), not history.</summary>
    public static readonly DateTimeOffset OldestAccepted = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Validates a real-time event; returns a <see cref="RejectReasons"/> code, or null when the event is acceptable.</summary>
    public static string? Validate(BehaviourEvent e, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (!Enum.IsDefined(e.Type))
        {
            return RejectReasons.UnknownType;
        }

        if (e.Price is { } price && price < 0)
        {
            return RejectReasons.InvalidPrice;
        }

        return Validate(
            new EventShape(
                e.Type,
                e.Timestamp.ToUnixTimeSeconds(),
                Bytes(e.EventId),
                Bytes(e.UserId),
                Bytes(e.ProductId),
                Bytes(e.CategoryId),
                Bytes(e.Query),
                Bytes(e.Text),
                Bytes(e.SessionId),
                e.Price is { } p ? (double)p : null,
                e.Quantity,
                e.Rating),
            now.ToUnixTimeSeconds());
    }

    /// <summary>Validates a parsed event shape; returns a <see cref="RejectReasons"/> code, or null when acceptable.</summary>
    public static string? Validate(in EventShape e, long nowUnixSeconds)
    {
        if (e.UserIdBytes == 0)
        {
            return RejectReasons.MissingUserId;
        }

        if (e.UserIdBytes > MaxIdBytes || e.EventIdBytes > MaxIdBytes || e.ProductIdBytes > MaxIdBytes
            || e.CategoryIdBytes > MaxIdBytes || e.SessionIdBytes > MaxIdBytes)
        {
            return RejectReasons.IdTooLong;
        }

        if (e.TextBytes > MaxTextBytes)
        {
            return RejectReasons.TextTooLong;
        }

        if (e.QueryBytes > MaxQueryBytes)
        {
            return RejectReasons.QueryTooLong;
        }

        if (e.UnixSeconds > nowUnixSeconds + (long)FutureTolerance.TotalSeconds)
        {
            return RejectReasons.FutureTimestamp;
        }

        if (e.UnixSeconds < OldestAccepted.ToUnixTimeSeconds())
        {
            return RejectReasons.TimestampTooOld;
        }

        if (e.Price is { } price && (price < 0 || !double.IsFinite(price)))
        {
            return RejectReasons.InvalidPrice;
        }

        if (e.Quantity is < 1)
        {
            return RejectReasons.InvalidQuantity;
        }

        if (e.Rating is < 1 or > 5)
        {
            return RejectReasons.InvalidRating;
        }

        switch (e.Type)
        {
            case EventType.Purchase or EventType.CartAdd or EventType.CartRemove or EventType.Return:
                if (e.ProductIdBytes == 0)
                {
                    return RejectReasons.MissingProductId;
                }

                if (e.CategoryIdBytes == 0)
                {
                    return RejectReasons.MissingCategoryId;
                }

                break;
            case EventType.Review:
                if (e.ProductIdBytes == 0)
                {
                    return RejectReasons.MissingProductId;
                }

                if (e.TextBytes == 0)
                {
                    return RejectReasons.MissingText;
                }

                break;
            case EventType.Search when e.QueryBytes == 0:
                return RejectReasons.MissingQuery;
        }

        return null;
    }

    private static int Bytes(string? value) => string.IsNullOrEmpty(value) ? 0 : Encoding.UTF8.GetByteCount(value);
}
