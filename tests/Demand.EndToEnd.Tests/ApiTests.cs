using Demand.Core.Identifiers;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Demand.Infrastructure.Cosmos;

namespace Demand.EndToEnd.Tests;

/// <summary>The HTTP API as a storefront reaches it: the host routes, the worker's middleware checks keys, tenants and rates.</summary>
public sealed class ApiTests(DemandAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] MerchantRoutes =
    [
        "users/u1/profile", "users/u1/recommendations", "users/u1/export", "ingestions/0123456789abcdef01234567",
        "products/p1/needs", "categories/c1/needs", "needs/taxonomy", "mining/usage", "segments/c1", "insights/demand",
    ];

    [Fact]
    public async Task A_key_never_reads_another_merchants_data_and_gets_the_same_404_as_for_a_missing_id()
    {
        var (victim, _, victimClient) = await app.NewMerchantAsync(Ct);
        var (_, _, attacker) = await app.NewMerchantAsync(Ct);
        using var v = victimClient;
        using var a = attacker;
        await app.UploadAsync(victim, "day-1/part-1.jsonl", Logs.Day(3, Logs.Yesterday), Ct);
        await app.WaitForIdleAsync(Ct);
        (await victimClient.GetAsync(new Uri($"/api/v1/merchants/{victim}/users/u1/profile", UriKind.Relative), Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        foreach (var route in MerchantRoutes)
        {
            using var response = await attacker.GetAsync(new Uri($"/api/v1/merchants/{victim}/{route}", UriKind.Relative), Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound, route);
            (await response.Content.ReadAsStringAsync(Ct)).ShouldNotContain("u1", Case.Sensitive, route);
        }

        using var erase = await attacker.DeleteAsync(new Uri($"/api/v1/merchants/{victim}/users/u1", UriKind.Relative), Ct);
        erase.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var events = await attacker.PostAsJsonAsync(new Uri($"/api/v1/merchants/{victim}/events", UriKind.Relative), new { events = new[] { Event("x1", "u1") } }, Ct);
        events.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse(victim), UserId.Parse("u1"), Ct))!.EventCount.ShouldBe(4, "the attacker's event was not merged and the shopper was not erased");
    }

    [Fact]
    public async Task A_missing_or_wrong_key_answers_401_problem_details_before_the_body_is_read()
    {
        var (merchant, key, client) = await app.NewMerchantAsync(Ct);
        client.Dispose();
        using var anonymous = new HttpClient { BaseAddress = app.Host.HttpBaseAddress };
        using var noKey = await anonymous.PostAsync(new Uri($"/api/v1/merchants/{merchant}/events", UriKind.Relative), new StringContent("{broken", Encoding.UTF8, "application/json"), Ct);
        noKey.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        noKey.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");

        using var forged = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/merchants/{merchant}/users/u1/profile", UriKind.Relative));
        forged.Headers.Add("X-Api-Key", key[..^4] + "AAAA");
        using var wrong = await anonymous.SendAsync(forged, Ct);
        wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Real_time_events_are_merged_once_and_rescore_the_shopper_before_the_answer()
    {
        var (merchant, _, client) = await app.NewMerchantAsync(Ct);
        using var _ = client;
        var batch = new { events = new[] { Event("e1", "s1"), Event("e2", "s1", "purchase"), Event("e3", "s2") } };

        using var first = await client.PostAsJsonAsync(new Uri($"/api/v1/merchants/{merchant}/events", UriKind.Relative), batch, Ct);
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var answer = await first.Content.ReadFromJsonAsync<JsonElement>(Ct);
        answer.GetProperty("accepted").GetInt32().ShouldBe(3);
        answer.GetProperty("usersRescored").GetInt32().ShouldBe(2);
        using var retried = await client.PostAsJsonAsync(new Uri($"/api/v1/merchants/{merchant}/events", UriKind.Relative), batch, Ct);
        (await retried.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("usersMerged").GetInt32().ShouldBe(0);

        (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse(merchant), UserId.Parse("s1"), Ct))!.EventCount.ShouldBe(2);
        using var profile = await client.GetAsync(new Uri($"/api/v1/merchants/{merchant}/users/s1/profile", UriKind.Relative), Ct);
        profile.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Malformed_event_bodies_answer_400_problem_details_not_500()
    {
        var (merchant, _, client) = await app.NewMerchantAsync(Ct);
        using var _ = client;
        foreach (var body in new[] { "{broken", "{\"events\":\"nope\"}", "{\"events\":[]}" })
        {
            using var response = await client.PostAsync(new Uri($"/api/v1/merchants/{merchant}/events", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"), Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json", body);
        }

        using var text = await client.PostAsync(new Uri($"/api/v1/merchants/{merchant}/events", UriKind.Relative), new StringContent("{}", Encoding.UTF8, "text/plain"), Ct);
        text.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task A_null_or_mistyped_event_is_rejected_with_its_index_and_field_and_the_rest_of_the_batch_is_kept()
    {
        var (merchant, _, client) = await app.NewMerchantAsync(Ct);
        using var _ = client;
        var at = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var body = "{\"events\":[null,{\"eventId\":\"e1\",\"userId\":\"s1\",\"type\":\"purchase\",\"timestamp\":\"" + at + "\",\"price\":\"abc\"}," +
            "{\"eventId\":\"e2\",\"userId\":\"s1\",\"type\":\"view\",\"timestamp\":\"" + at + "\",\"categoryId\":\"c1\"}]}";

        using var response = await client.PostAsync(new Uri($"/api/v1/merchants/{merchant}/events", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        answer.GetProperty("accepted").GetInt32().ShouldBe(1);
        answer.GetProperty("rejected").EnumerateArray().Select(r => (r.GetProperty("index").GetInt32(), r.GetProperty("reason").GetString()))
            .ShouldBe([(0, "invalid_event"), (1, "invalid_field:price")]);
    }

    [Fact]
    public async Task A_key_over_its_rate_gets_429_with_retry_after_while_other_keys_are_served()
    {
        var (merchant, _, client) = await app.NewMerchantAsync(Ct);
        var (other, _, otherClient) = await app.NewMerchantAsync(Ct);
        using var a = client;
        using var b = otherClient;
        HttpResponseMessage? limited = null;
        for (var i = 0; i <= DemandAppFixture.RequestsPerMinutePerKey && limited is null; i++)
        {
            var response = await client.GetAsync(new Uri($"/api/v1/merchants/{merchant}/users/nobody/profile", UriKind.Relative), Ct);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
                response.Dispose();
            }
        }

        limited.ShouldNotBeNull();
        using (limited)
        {
            limited.Headers.RetryAfter.ShouldNotBeNull();
            limited.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        }

        using var served = await otherClient.GetAsync(new Uri($"/api/v1/merchants/{other}/users/nobody/profile", UriKind.Relative), Ct);
        served.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_openapi_document_is_served_and_describes_every_route_with_the_api_key_scheme()
    {
        var document = await app.Http.GetFromJsonAsync<JsonElement>(new Uri("/api/openapi.json", UriKind.Relative), Ct);
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        paths.ShouldContain("/api/health");
        foreach (var route in new[] { "users/{userId}/profile", "users/{userId}/recommendations", "users/{userId}/export", "users/{userId}", "events",
                     "ingestions/{ingestionId}", "products/{productId}/needs", "categories/{categoryId}/needs", "needs/taxonomy", "mining/usage",
                     "segments/{categoryId}", "insights/demand" })
        {
            paths.ShouldContain("/api/v1/merchants/{merchantId}/" + route);
        }

        document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey").GetProperty("name").GetString().ShouldBe("X-Api-Key");
        (await app.Http.GetAsync(new Uri("/api/health", UriKind.Relative), Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await app.Http.GetAsync(new Uri("/api/v1/nothing-here", UriKind.Relative), Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_docs_event_batch_and_the_documents_own_example_validate_against_the_served_schema_and_a_batch_without_event_ids_does_not()
    {
        var document = await app.Http.GetFromJsonAsync<JsonElement>(new Uri("/api/openapi.json", UriKind.Relative), Ct);
        var operation = document.GetProperty("paths").GetProperty("/api/v1/merchants/{merchantId}/events").GetProperty("post");
        var media = operation.GetProperty("requestBody").GetProperty("content").GetProperty("application/json");
        var schema = SchemaOf(document, media.GetProperty("schema"));
        var docs = File.ReadAllText(Path.Combine(Demand.Tooling.RepoPaths.RepositoryRoot()!, "docs", "api.md"));
        var section = docs[docs.IndexOf("### Real-time events", StringComparison.Ordinal)..];
        var example = System.Text.RegularExpressions.Regex.Match(section, @"-d '(\{.*?\})'", System.Text.RegularExpressions.RegexOptions.Singleline).Groups[1].Value;

        Problems(schema, JsonDocument.Parse(example).RootElement).ShouldBeEmpty("docs/api.md's example batch");
        Problems(schema, media.GetProperty("example")).ShouldBeEmpty("the document's own example");
        Problems(schema, JsonDocument.Parse("""{"events":[{"userId":"u1","type":"view","timestamp":"2026-11-22T10:40:00Z"}]}""").RootElement).ShouldNotBeEmpty("eventId is required");
        Problems(schema, JsonDocument.Parse("""{"events":[{"eventId":"e1","userId":"u1","type":"view","timestamp":"2026-11-22T10:40:00Z","price":"cheap"}]}""").RootElement)
            .ShouldNotBeEmpty("price is a number");
        var responses = operation.GetProperty("responses");
        foreach (var status in new[] { "200", "400", "401", "404", "413", "415", "429" })
        {
            responses.TryGetProperty(status, out _).ShouldBeTrue("events answers " + status);
        }

        document.GetProperty("paths").GetProperty("/api/v1/merchants/{merchantId}/users/{userId}/profile").GetProperty("get").GetProperty("responses").TryGetProperty("304", out _).ShouldBeTrue();
        operation.GetProperty("security").EnumerateArray().Select(r => r.TryGetProperty("ApiKey", out var scopes) && scopes.ValueKind == JsonValueKind.Array).ShouldContain(true);
    }

    [Fact]
    public async Task Unmatched_routes_under_api_answer_a_problem_details_404()
    {
        foreach (var (method, path) in new[] { ("GET", "/api/v1/nothing-here"), ("POST", "/api/health"), ("GET", "/api/v1/merchants/m1"), ("PATCH", "/api/v1/merchants/m1/users/u1/profile") })
        {
            using var response = await app.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative)), Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound, path);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json", path);
            (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetInt32().ShouldBe(404, path);
        }
    }

    /// <summary>A schema of the document as a standalone JSON Schema (2020-12): its components become <c>$defs</c>.</summary>
    private static Json.Schema.JsonSchema SchemaOf(JsonElement document, JsonElement schema)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(schema.GetRawText())!.AsObject();
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        root["$defs"] = System.Text.Json.Nodes.JsonNode.Parse(document.GetProperty("components").GetProperty("schemas").GetRawText());
        return Json.Schema.JsonSchema.FromText(root.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal));
    }

    private static List<string> Problems(Json.Schema.JsonSchema schema, JsonElement instance)
    {
        var result = schema.Evaluate(instance, new Json.Schema.EvaluationOptions { OutputFormat = Json.Schema.OutputFormat.List });
        return result.IsValid
            ? []
            : [.. (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key} {e.Value}"))];
    }

    private static object Event(string id, string user, string type = "view") => new
    {
        eventId = id, userId = user, type, timestamp = DateTimeOffset.UtcNow.AddHours(-1), productId = "p1", categoryId = "c1", price = type == "purchase" ? 5m : (decimal?)null,
    };
}
