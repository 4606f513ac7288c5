namespace Demand.Functions.Merchants;

/// <summary>Examples in the OpenAPI document; the events batch is the one docs/api.md shows (a test checks both against the schema).</summary>
public static class ApiExamples
{
    public const string EventsRequest = """
        { "events": [
          { "eventId": "s93-1", "userId": "u000042", "type": "view", "timestamp": "2026-11-22T10:40:00Z", "productId": "p17", "categoryId": "coffee-beans" },
          { "eventId": "s93-2", "userId": "u000042", "type": "cart_add", "timestamp": "2026-11-22T10:41:10Z", "productId": "p17", "categoryId": "coffee-beans", "price": 12.5, "quantity": 1 }
        ] }
        """;

    public const string EventsResponse = """
        { "accepted": 1, "duplicates": 0, "rejected": [ { "index": 1, "eventId": "s93-2", "reason": "invalid_field:price" } ], "usersRescored": 1, "usersMerged": 1 }
        """;

    public const string EventsProblem = """
        { "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "One or more validation errors occurred.", "status": 400,
          "errors": { "body": [ "Malformed JSON (line 1, byte 12)." ] } }
        """;
}
