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
}
