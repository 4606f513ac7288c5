namespace Demand.Core.Ingestion;

/// <summary>Why a log line was rejected. Wire names (snake_case) appear in quarantine files and reports.</summary>
public enum RejectReason
{
    InvalidUtf8,
    InvalidJson,
    LineTooLong,
    WrongColumnCount,
    MissingUserId,
    MissingType,
    UnknownType,
    MissingTimestamp,
    InvalidTimestamp,
    TimestampInFuture,
    TimestampTooOld,
    MissingProductId,
    MissingCategoryId,
    MissingText,
    InvalidRating,
    InvalidPrice,
    InvalidQuantity,
    FieldTooLong,
    UserErased,
    InvalidUserId,

    /// <summary>A product or category id breaks <see cref="Identifiers.CatalogueId.Rule"/> (they name documents of mined needs and segments).</summary>
    InvalidCatalogueId,

    /// <summary>Real-time only: an event with an id older than the shopper's event-id window, which cannot be checked for a repeat.</summary>
    TooOldToDeduplicate,
}

/// <summary>Limits every event must respect (also documented in docs/log-format.md).</summary>
public sealed record ValidationLimits
{
    public int MaxLineBytes { get; init; } = 64 * 1024;
    public int MaxIdLength { get; init; } = 128;
    public int MaxQueryLength { get; init; } = 512;
    public int MaxTextLength { get; init; } = 8_000;
    public TimeSpan FutureTolerance { get; init; } = TimeSpan.FromDays(1);
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(3 * 365);

    public static ValidationLimits Default { get; } = new();
}
