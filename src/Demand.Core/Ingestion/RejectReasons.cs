namespace Demand.Core.Ingestion;

/// <summary>
/// Why a line was rejected: stable snake_case codes written to the quarantine blob and counted in the
/// ingestion report (docs/log-format.md, "Reject reasons").
/// </summary>
public static class RejectReasons
{
    public const string InvalidUtf8 = "invalid_utf8";
    public const string LineTooLong = "line_too_long";
    public const string TruncatedLine = "truncated_line";
    public const string MalformedJson = "malformed_json";
    public const string MalformedCsv = "malformed_csv";
    public const string MalformedField = "malformed_field";
    public const string MissingUserId = "missing_user_id";
    public const string MissingType = "missing_type";
    public const string UnknownType = "unknown_type";
    public const string MissingTimestamp = "missing_timestamp";
    public const string InvalidTimestamp = "invalid_timestamp";
    public const string FutureTimestamp = "future_timestamp";
    public const string TimestampTooOld = "timestamp_too_old";
    public const string MissingProductId = "missing_product_id";
    public const string MissingCategoryId = "missing_category_id";
    public const string MissingText = "missing_text";
    public const string MissingQuery = "missing_query";
    public const string InvalidRating = "invalid_rating";
    public const string InvalidPrice = "invalid_price";
    public const string InvalidQuantity = "invalid_quantity";
    public const string IdTooLong = "id_too_long";
    public const string TextTooLong = "text_too_long";
    public const string QueryTooLong = "query_too_long";
}
