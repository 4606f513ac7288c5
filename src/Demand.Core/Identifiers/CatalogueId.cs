namespace Demand.Core.Identifiers;

/// <summary>
/// Product and category ids become parts of document ids (<c>productNeeds.{productId}</c>, <c>categoryNeeds.{categoryId}</c>,
/// <c>segment.{categoryId}.{page}</c>), so they follow the user id's character rule (<see cref="UserId.Rule"/>): an id
/// outside it can never name a stored document, and a read by it finds nothing instead of reaching the database.
/// </summary>
public static class CatalogueId
{
    public const string Rule = UserId.Rule;

    public static bool IsValid(string? value) => UserId.TryParse(value, out _);

    /// <summary>The rule on a log field's UTF-8 bytes: null when valid, else the reason.</summary>
    public static string? Check(ReadOnlySpan<byte> utf8) => UserId.Check(utf8);

    /// <summary>Null when valid (or absent), else the reason.</summary>
    public static string? Check(string? value) => string.IsNullOrEmpty(value) || UserId.TryParse(value, out _, out var reason) ? null : reason;
}
