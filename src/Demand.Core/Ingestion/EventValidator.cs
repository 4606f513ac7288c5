using System.Text;
using System.Text.Json;
using Demand.Core.Events;
using Demand.Core.Identifiers;

namespace Demand.Core.Ingestion;

/// <summary>
/// The event rules of log ingestion (<see cref="LogIngestor"/>) for one already-typed event: real-time events
/// from the API use it so both paths reject the same things for the same reasons (docs/log-format.md).
/// </summary>
public static class EventValidator
{
    /// <summary>Validates one event; returns why it is rejected, or null when it is acceptable.</summary>
    public static RejectReason? Validate(BehaviourEvent e, DateTimeOffset now, ValidationLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(e);
        limits ??= ValidationLimits.Default;
        if (string.IsNullOrEmpty(e.UserId))
        {
            return RejectReason.MissingUserId;
        }

        if (!Enum.IsDefined(e.Type))
        {
            return RejectReason.UnknownType;
        }

        if (e.Timestamp > now + limits.FutureTolerance)
        {
            return RejectReason.TimestampInFuture;
        }

        if (e.Timestamp < now - limits.MaxAge)
        {
            return RejectReason.TimestampTooOld;
        }

        var needsProduct = e.Type is EventType.Purchase or EventType.CartAdd or EventType.CartRemove or EventType.Review or EventType.Return;
        if (needsProduct && string.IsNullOrEmpty(e.ProductId))
        {
            return RejectReason.MissingProductId;
        }

        if (e.Type is EventType.Purchase or EventType.CartAdd or EventType.CartRemove && string.IsNullOrEmpty(e.CategoryId))
        {
            return RejectReason.MissingCategoryId;
        }

        if (e.Type == EventType.Review && string.IsNullOrEmpty(e.Text))
        {
            return RejectReason.MissingText;
        }

        // Same units as the log path: ids in UTF-8 bytes, free text in characters.
        if (Bytes(e.UserId) > limits.MaxIdLength || Bytes(e.EventId) > limits.MaxIdLength || Bytes(e.ProductId) > limits.MaxIdLength
            || Bytes(e.CategoryId) > limits.MaxIdLength || Bytes(e.SessionId) > limits.MaxIdLength
            || (e.Query?.Length ?? 0) > limits.MaxQueryLength || (e.Text?.Length ?? 0) > limits.MaxTextLength)
        {
            return RejectReason.FieldTooLong;
        }

        // After the length check, in the order the log path checks (LogIngestor), so both give the same verdict.
        if (!UserId.TryParse(e.UserId, out _))
        {
            return RejectReason.InvalidUserId;
        }

        if (CatalogueId.Check(e.ProductId) is not null || CatalogueId.Check(e.CategoryId) is not null)
        {
            return RejectReason.InvalidCatalogueId;
        }

        if (e.Rating is < 1 or > 5)
        {
            return RejectReason.InvalidRating;
        }

        if (e.Price is < 0)
        {
            return RejectReason.InvalidPrice;
        }

        if (e.Quantity is < 1)
        {
            return RejectReason.InvalidQuantity;
        }

        return null;
    }

    /// <summary>The snake_case name used in quarantine files, reports and ProblemDetails (e.g. <c>timestamp_in_future</c>).</summary>
    public static string WireName(this RejectReason reason) => JsonNamingPolicy.SnakeCaseLower.ConvertName(reason.ToString());

    private static int Bytes(string? value) => string.IsNullOrEmpty(value) ? 0 : Encoding.UTF8.GetByteCount(value);
}
