using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Demand.Core.Identifiers;
using Demand.Infrastructure.Cosmos;
using Demand.Tooling.Host;

namespace Demand.EndToEnd.Tests;

/// <summary>
/// The hostile-world suite (issue 14), against the real worker under the local host: hostile ids in every route,
/// malformed, replayed and oversized bodies, forged keys, raw paths, and every merchant route with another merchant's
/// valid key. Every test collects every answer and checks them all at once: none is a 5xx (or no answer), every 4xx is
/// a ProblemDetails document, and no answer carries the other merchant's data.
/// </summary>
public sealed class HostileInputTests(DemandAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH"];

    /// <summary>Route ids as they appear in a URL (percent-encoded where HttpClient would otherwise reinterpret them).</summary>
    private static readonly string[] HostileIds =
    [
        "u1%23x", "u1%2Fx", "u1%5Cx", "u1%3Fx", "u1%25x", "u1%2523", "%00", "u1%0A", "u1%7F", "%20%20%20", "%20u1", "u1%09",
        "%E2%80%8Bu1", "%C3%A9l%C3%A8ve", "%F0%9F%98%80", "%FF%FE", new string('x', 300), "%2E%2E", "..%2F..%2Fx", "%3Cscript%3E",
    ];

    [Fact]
    public async Task Hostile_ids_in_every_route_answer_problem_details_never_500_and_never_another_merchants_data()
    {
        var probes = (from route in MerchantRoutes().Where(r => !r.StartsWith("dashboard/", StringComparison.Ordinal))
                      from parameter in Parameters(route)
                      from id in HostileIds
                      select (route, parameter, id)).ToList();
        var (merchant, keys) = await MerchantWithKeysAsync((probes.Count / 50) + 1);
        var victim = await VictimAsync();
        var log = new ProbeLog();
        foreach (var (route, parameter, id) in probes)
        {
            var path = "/api/" + Fill(route, merchant, parameter, id);
            await log.SendAsync(keys.Next(), new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative)), "hostile " + parameter, Ct);
        }

        log.Count.ShouldBeGreaterThan(300);
        log.ShouldBeSafe(victim.Secrets);
        log.Probes.Where(p => p.Request.Contains("/users/u1%23x/profile", StringComparison.Ordinal)).ShouldHaveSingleItem().Status.ShouldBe(400);
    }

    [Fact]
    public async Task Malformed_replayed_and_oversized_bodies_answer_problem_details_or_per_event_rejections_and_never_500()
    {
        var (merchant, keys) = await MerchantWithKeysAsync(4);
        var victim = await VictimAsync();
        var log = new ProbeLog();
        var events = new Uri($"/api/v1/merchants/{merchant}/events", UriKind.Relative);
        var at = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O", CultureInfo.InvariantCulture);
        string Event(string id, string extra = "") => $$"""{"eventId":"{{id}}","userId":"s1","type":"view","timestamp":"{{at}}","categoryId":"c1"{{extra}}}""";
        var bodies = new List<(string What, byte[] Body, string? ContentType)>
        {
            ("empty", [], "application/json"),
            ("bad json", "{"u8.ToArray(), "application/json"),
            ("json null", "null"u8.ToArray(), "application/json"),
            ("array root", "[]"u8.ToArray(), "application/json"),
            ("no events", "{}"u8.ToArray(), "application/json"),
            ("events null", """{"events":null}"""u8.ToArray(), "application/json"),
            ("events object", """{"events":{}}"""u8.ToArray(), "application/json"),
            ("null event", """{"events":[null]}"""u8.ToArray(), "application/json"),
            ("scalar events", """{"events":[1,"x",true,[]]}"""u8.ToArray(), "application/json"),
            ("type errors", Encoding.UTF8.GetBytes("{\"events\":[" + string.Join(',',
                Event("t1", ",\"price\":\"abc\""), Event("t2", ",\"quantity\":1.5"), Event("t3", ",\"rating\":\"5\""), Event("t4", ",\"price\":1e400"),
                """{"eventId":{},"userId":"s1"}""", """{"eventId":"t6","userId":5,"type":"view"}""", """{"eventId":"t7","userId":"s1","type":"view","timestamp":"yesterday"}""",
                """{"eventId":"t8","userId":"s1","type":"view","timestamp":5}""", Event("ok1")) + "]}"), "application/json"),
            ("hostile user ids", Encoding.UTF8.GetBytes("{\"events\":[" + string.Join(',',
                new[] { "bb#1", "   ", "u/1", "u\\\\1", "u?1", "u%1", "\\u0000", "\\u200bu", new string('x', 200), "élève" }
                    .Select((u, i) => $$"""{"eventId":"h{{i}}","userId":"{{u}}","type":"view","timestamp":"{{at}}","categoryId":"c1"}""")) + "]}"), "application/json"),
            ("duplicate keys", Encoding.UTF8.GetBytes("{\"events\":[{\"eventId\":\"d1\",\"eventId\":\"d2\",\"userId\":\"s1\",\"type\":\"view\",\"timestamp\":\"" + at + "\"}]}"), "application/json"),
            ("deep nesting", Encoding.UTF8.GetBytes("{\"events\":[" + new string('[', 5000) + new string(']', 5000) + "]}"), "application/json"),
            ("invalid utf-8", [.. "{\"events\":[{\"eventId\":\""u8.ToArray(), 0xFF, 0xFE, .. "\"}]}"u8.ToArray()], "application/json"),
            ("utf-16", Encoding.Unicode.GetBytes("{\"events\":[" + Event("w1") + "]}"), "application/json; charset=utf-16"),
            ("501 events", Encoding.UTF8.GetBytes("{\"events\":[" + string.Join(',', Enumerable.Range(0, 501).Select(i => Event("n" + i))) + "]}"), "application/json"),
            ("text/plain", Encoding.UTF8.GetBytes("{\"events\":[" + Event("p1") + "]}"), "text/plain"),
            ("no content type", Encoding.UTF8.GetBytes("{\"events\":[" + Event("p2") + "]}"), null),
            ("form", "events=1"u8.ToArray(), "application/x-www-form-urlencoded"),
            ("long event id", Encoding.UTF8.GetBytes("{\"events\":[" + Event(new string('e', 900_000)) + "]}"), "application/json"),
        };
        foreach (var (what, body, contentType) in bodies)
        {
            using var content = new ByteArrayContent(body);
            if (contentType is not null)
            {
                content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }

            await log.SendAsync(keys.Next(), new HttpRequestMessage(HttpMethod.Post, events) { Content = content }, what, Ct);
        }

        // Replays: the same batch three times merges once.
        var replay = Encoding.UTF8.GetBytes("{\"events\":[" + Event("r1") + "," + Event("r2") + "]}");
        for (var i = 0; i < 3; i++)
        {
            using var content = new ByteArrayContent(replay);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            await log.SendAsync(keys.Next(), new HttpRequestMessage(HttpMethod.Post, events) { Content = content }, "replay", Ct);
        }

        // Oversized: by Content-Length and chunked, on the events route (its own 1 MiB), a JSON route without a limit of
        // its own (4 MiB for every body), a route that reads no body, and over the host's limit.
        var key = keys.Next().DefaultRequestHeaders.GetValues("X-Api-Key").Single();
        var headers = new Dictionary<string, string> { ["X-Api-Key"] = key, ["Content-Type"] = "application/json" };
        var big = Encoding.UTF8.GetBytes("{\"events\":[" + string.Join(',', Enumerable.Repeat(Event("b1"), 80_000)) + "]}");
        foreach (var (target, method, size) in new[]
                 {
                     ($"/api/v1/merchants/{merchant}/events", "POST", (int)(1.5 * 1024 * 1024)),
                     ($"/api/v1/merchants/{merchant}/needs/taxonomy", "PUT", 5 * 1024 * 1024),
                     ($"/api/v1/merchants/{merchant}/mapping", "PUT", 5 * 1024 * 1024),
                     ($"/api/v1/merchants/{merchant}/uploads", "POST", 5 * 1024 * 1024),
                     ($"/api/v1/merchants/{merchant}/events", "POST", DemandAppFixture.RequestBodyLimit + 1024),
                 })
        {
            var body = big.Length >= size ? big[..size] : [.. big, .. new byte[size - big.Length]];
            foreach (var chunked in new[] { false, true })
            {
                var probe = await log.RawAsync(app.Host.HttpBaseAddress, $"oversized {size} {(chunked ? "chunked" : "content-length")}", method, target, headers, body, chunked, Ct);
                probe.Status.ShouldBe(413, probe.ToString());
            }
        }

        log.ShouldBeSafe(victim.Secrets);
        log.Probes.Where(p => p.What == "replay").Select(p => JsonDocument.Parse(p.Body).RootElement.GetProperty("usersMerged").GetInt32()).ShouldBe([1, 0, 0]);
        (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse(merchant), UserId.Parse("s1"), Ct))!.EventCount.ShouldBeLessThan(20, "a replayed batch merges once");
        log.Probes.Single(p => p.What == "null event").Status.ShouldBe(200);
        log.Probes.Single(p => p.What == "bad json").Status.ShouldBe(400);
    }

    [Fact]
    public async Task Every_merchant_route_with_another_merchants_valid_key_answers_like_a_missing_id_and_changes_nothing()
    {
        var victim = await VictimAsync();
        var (_, keys) = await MerchantWithKeysAsync(4);
        var log = new ProbeLog();
        var at = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O", CultureInfo.InvariantCulture);
        var bodies = new[]
        {
            $$"""{"events":[{"eventId":"x1","userId":"{{victim.User}}","type":"purchase","timestamp":"{{at}}","categoryId":"{{victim.Category}}","price":1}]}""",
            """{"mapping":{"preset":"taobao"}}""",
            """{"synonyms":{"roomier":"bigger size"}}""",
            """{"fileName":"x.jsonl"}""",
        };
        foreach (var route in MerchantRoutes())
        {
            var path = "/api/" + Fill(route, victim.Merchant, null, null, victim);
            foreach (var method in Methods)
            {
                foreach (var body in method is "POST" or "PUT" or "PATCH" ? bodies : new string?[] { null })
                {
                    var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
                    if (body is not null)
                    {
                        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                    }

                    var probe = await log.SendAsync(keys.Next(), request, "cross-tenant", Ct);
                    // The API's routes answer 404 like an unknown id (and so does a method no function takes); the
                    // dashboard's take a session, not a key: 401 before anything.
                    probe.Status.ShouldBeOneOf(route.StartsWith("dashboard/", StringComparison.Ordinal) ? [401, 404] : [404], probe.ToString());
                }
            }
        }

        log.Count.ShouldBeGreaterThan(100);
        log.ShouldBeSafe(victim.Secrets);
        (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse(victim.Merchant), UserId.Parse(victim.User), Ct))!.EventCount.ShouldBe(victim.EventCount);
        using var mapping = await victim.Client.GetAsync(new Uri($"/api/v1/merchants/{victim.Merchant}/mapping", UriKind.Relative), Ct);
        mapping.StatusCode.ShouldBe(HttpStatusCode.NotFound, "no mapping was registered for the victim");
        var taxonomy = await victim.Client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/merchants/{victim.Merchant}/needs/taxonomy", UriKind.Relative), Ct);
        taxonomy.ToString().ShouldNotContain("roomier");
        using var profile = await victim.Client.GetAsync(new Uri($"/api/v1/merchants/{victim.Merchant}/users/{victim.User}/profile", UriKind.Relative), Ct);
        profile.StatusCode.ShouldBe(HttpStatusCode.OK, "the victim was not erased");
    }

    [Fact]
    public async Task Forged_keys_answer_401_problem_details_and_never_spend_the_real_keys_rate()
    {
        var victim = await VictimAsync();
        var (attacker, attackerKey, attackerClient) = await app.NewMerchantAsync(Ct);
        attackerClient.Dispose();
        var realKey = victim.Client.DefaultRequestHeaders.GetValues("X-Api-Key").Single();
        var parts = realKey.Split('.');
        var attackerParts = attackerKey.Split('.');
        var forged = new List<string>
        {
            "", " ", "x", realKey[..^1], realKey + "x", realKey.ToUpperInvariant(), $"dk.{victim.Merchant}.{parts[2]}.{attackerParts[3]}",
            $"dk.{victim.Merchant}.{attackerParts[2]}.{attackerParts[3]}", $"dk.{attacker}.{parts[2]}.{parts[3]}", $"dd.{victim.Merchant}.{parts[2]}.{parts[3]}",
            $"dk.{victim.Merchant}.00000000.{parts[3]}", $"dk.nobody-{Guid.NewGuid():N}.{parts[2]}.{parts[3]}", $"dk.M1.{parts[2]}.{parts[3]}",
            $"dk.{victim.Merchant}.{parts[2]}.{new string('A', 5000)}", "dk....", new string('k', 8000),
        };
        // More wrong secrets with the victim's key id than its whole budget: none of them may count against it.
        for (var i = 0; forged.Count < DemandAppFixture.RequestsPerMinutePerKey + 40; i++)
        {
            forged.Add($"dk.{victim.Merchant}.{parts[2]}.{Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=')}{i:D8}xxxxxxxxxxxxxxxxxx");
        }

        var log = new ProbeLog();
        using var anonymous = new HttpClient { BaseAddress = app.Host.HttpBaseAddress };
        foreach (var key in forged)
        {
            foreach (var route in new[] { $"users/{victim.User}/profile", $"users/{victim.User}/export", "segments/" + victim.Category })
            {
                var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/merchants/{victim.Merchant}/{route}", UriKind.Relative));
                request.Headers.TryAddWithoutValidation("X-Api-Key", key);
                var probe = await log.SendAsync(anonymous, request, "forged key", Ct);
                probe.Status.ShouldBe(401, probe.ToString());
            }
        }

        var events = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/v1/merchants/{victim.Merchant}/events", UriKind.Relative)) { Content = new StringContent("{broken", Encoding.UTF8, "application/json") };
        (await log.SendAsync(anonymous, events, "no key, broken body", Ct)).Status.ShouldBe(401, "the key is checked before the body is read");

        log.ShouldBeSafe(victim.Secrets);
        using var real = await victim.Client.GetAsync(new Uri($"/api/v1/merchants/{victim.Merchant}/users/{victim.User}/profile", UriKind.Relative), Ct);
        real.StatusCode.ShouldBe(HttpStatusCode.OK, "forged requests with the victim's key id did not spend its rate");
    }

    [Fact]
    public async Task Raw_backslashes_dot_segments_and_unmatched_routes_never_reach_another_function_and_answer_problem_details()
    {
        var victim = await VictimAsync();
        var (attacker, attackerKey, attackerClient) = await app.NewMerchantAsync(Ct);
        attackerClient.Dispose();
        var log = new ProbeLog();
        var headers = new Dictionary<string, string> { ["X-Api-Key"] = attackerKey };
        var v = victim.Merchant;
        var u = victim.User;
        var targets = new[]
        {
            $"/api\\v1\\merchants\\{v}\\users\\{u}\\profile",
            $"/api/v1/merchants/{attacker}/users/x\\..\\..\\..\\{v}\\users\\{u}/profile",
            $"/api/dashboard/assets/..\\..\\v1\\merchants\\{v}\\users\\{u}\\export",
            $"/api/health\\..\\v1\\merchants\\{v}\\users\\{u}\\profile",
            $"/api/v1/merchants/{attacker}/../{v}/users/{u}/profile",
            $"/api/v1/merchants/{attacker}/%2E%2E/{v}/users/{u}/profile",
            $"/api/v1/merchants/{attacker}/users/..%2F..%2F..%2F{v}%2Fusers%2F{u}/profile",
            $"/api/v1/merchants/{attacker}/users/%2E%2E%5C%2E%2E%5C{v}/profile",
            $"/api//v1/merchants/{v}/users/{u}/profile",
            $"/api/v1/merchants/{v.ToUpperInvariant()}/users/{u}/profile",
            "/api/nothing-here", "/api/v2/merchants", $"/api/v1/merchants/{attacker}/nothing", "/api/", "/api/openapi.json/x",
        };
        foreach (var target in targets)
        {
            foreach (var method in new[] { "GET", "DELETE" })
            {
                await log.RawAsync(app.Host.HttpBaseAddress, "raw path", method, target, headers, null, false, Ct);
            }
        }

        (await log.SendAsync(app.Http, new HttpRequestMessage(HttpMethod.Patch, new Uri($"/api/v1/merchants/{attacker}/users/u1/profile", UriKind.Relative)), "unmatched method", Ct)).Status.ShouldBe(404);
        (await log.SendAsync(app.Http, new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/nothing-here", UriKind.Relative)), "unmatched", Ct)).Status.ShouldBe(404);

        log.ShouldBeSafe(victim.Secrets);
        log.Probes.Where(p => p.What == "raw path" && (p.Request.Contains('\\', StringComparison.Ordinal) || p.Request.Contains("//", StringComparison.Ordinal))).ShouldAllBe(p => p.Status == 400);
        log.Probes.ShouldAllBe(p => p.Status >= 400, "no raw path reached a function that answered");
        (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse(v), UserId.Parse(u), Ct))!.EventCount.ShouldBe(victim.EventCount, "nobody erased the victim");
    }

    private sealed record Victim(string Merchant, string User, string Product, string Category, HttpClient Client, long EventCount)
    {
        /// <summary>Strings only the victim's data holds: no answer to anybody else may contain one.</summary>
        public string[] Secrets => [User, Product, Category];
    }

    /// <summary>A merchant with a shopper, product and category named by unguessable markers, scored and profiled.</summary>
    private async Task<Victim> VictimAsync()
    {
        var (merchant, _, client) = await app.NewMerchantAsync(Ct);
        var marker = Guid.NewGuid().ToString("N")[..12];
        var (user, product, category) = ("victim-" + marker, "vp-" + marker, "vc-" + marker);
        var at = DateTimeOffset.UtcNow.AddHours(-1).ToString("O", CultureInfo.InvariantCulture);
        var batch = $$"""
            {"events":[{"eventId":"v1","userId":"{{user}}","type":"view","timestamp":"{{at}}","productId":"{{product}}","categoryId":"{{category}}"},
            {"eventId":"v2","userId":"{{user}}","type":"purchase","timestamp":"{{at}}","productId":"{{product}}","categoryId":"{{category}}","price":3},
            {"eventId":"v3","userId":"{{user}}","type":"review","timestamp":"{{at}}","productId":"{{product}}","categoryId":"{{category}}","rating":1,"text":"Battery dies by noon {{marker}}"}]}
            """;
        using var response = await client.PostAsync(new Uri($"/api/v1/merchants/{merchant}/events", UriKind.Relative), new StringContent(batch, Encoding.UTF8, "application/json"), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        var count = (await new CosmosFeatureStore(app.Db).GetAsync(MerchantId.Parse(merchant), UserId.Parse(user), Ct))!.EventCount;
        return new Victim(merchant, user, product, category, client, count);
    }

    /// <summary>A merchant with several keys: hostile probes spread over them so the per-key rate never answers for the handlers.</summary>
    private async Task<(string Merchant, KeyRing Keys)> MerchantWithKeysAsync(int keys)
    {
        var (merchant, _, first) = await app.NewMerchantAsync(Ct);
        var clients = new List<HttpClient> { first };
        var store = new CosmosMerchantStore(app.Db, TimeProvider.System);
        for (var i = 1; i < keys; i++)
        {
            var client = new HttpClient { BaseAddress = app.Host.HttpBaseAddress, Timeout = TimeSpan.FromMinutes(2) };
            client.DefaultRequestHeaders.Add("X-Api-Key", await store.AddKeyAsync(MerchantId.Parse(merchant), Ct));
            clients.Add(client);
        }

        return (merchant, new KeyRing(clients));
    }

    /// <summary>Every HTTP function's route that names a merchant, as the worker reported it to the host.</summary>
    private IEnumerable<string> MerchantRoutes() =>
        app.Host.Functions.Where(f => f.Trigger == TriggerKind.Http && f.Route is { } r && r.Contains("{merchantId}", StringComparison.Ordinal))
            .Select(f => f.Route!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

    private static IEnumerable<string> Parameters(string route) =>
        route.Split('/').Where(s => s.StartsWith('{')).Select(s => s.Trim('{', '}', '*'));

    /// <summary>The route with <paramref name="parameter"/> set to <paramref name="value"/> and every other parameter to a plain valid id.</summary>
    private static string Fill(string route, string merchant, string? parameter, string? value, Victim? victim = null) =>
        string.Join('/', route.Split('/').Select(segment =>
        {
            if (!segment.StartsWith('{'))
            {
                return segment;
            }

            var name = segment.Trim('{', '}', '*');
            return name == parameter ? value! : name switch
            {
                "merchantId" => merchant,
                "userId" => victim?.User ?? "u1",
                "productId" => victim?.Product ?? "p1",
                "categoryId" or "category" => victim?.Category ?? "c1",
                "ingestionId" => "0123456789abcdef01234567",
                _ => "x",
            };
        }));

    /// <summary>Clients with keys of one merchant, used in turn.</summary>
    private sealed class KeyRing(IReadOnlyList<HttpClient> clients)
    {
        private int _next;

        public HttpClient Next() => clients[_next++ % clients.Count];
    }

    /// <summary>Every answer of a test, checked together.</summary>
    private sealed class ProbeLog
    {
        private readonly List<Probe> _probes = [];

        public IReadOnlyList<Probe> Probes => _probes;

        public int Count => _probes.Count;

        public async Task<Probe> SendAsync(HttpClient client, HttpRequestMessage request, string what, CancellationToken cancellationToken)
        {
            using (request)
            {
                using var response = await client.SendAsync(request, cancellationToken);
                var probe = new Probe(what, request.Method + " " + request.RequestUri, (int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsStringAsync(cancellationToken));
                _probes.Add(probe);
                return probe;
            }
        }

        public async Task<Probe> RawAsync(Uri baseAddress, string what, string method, string target, IReadOnlyDictionary<string, string> headers, byte[]? body, bool chunked, CancellationToken cancellationToken)
        {
            var probe = await RawHttp.SendAsync(baseAddress, what, method, target, headers, body, chunked, cancellationToken);
            _probes.Add(probe);
            return probe;
        }

        /// <summary>No 5xx or missing answer, a ProblemDetails body on every 4xx, and none of <paramref name="secrets"/> anywhere.</summary>
        public void ShouldBeSafe(IReadOnlyList<string> secrets)
        {
            var failures = new List<string>();
            foreach (var probe in _probes)
            {
                if (probe.Status is 0 or >= 500)
                {
                    failures.Add("server error: " + probe);
                }
                else if (probe.Status == 200 && probe.Body.Length == 0)
                {
                    // The worker answers the forwarded request of a function that threw with an empty 200.
                    failures.Add("empty 200 (the function threw): " + probe);
                }
                else if (probe.Status is >= 400 and < 500 && !IsProblem(probe) && !RefusedByTheServer(probe))
                {
                    failures.Add("4xx without ProblemDetails: " + probe);
                }

                failures.AddRange(secrets.Where(s => probe.Body.Contains(s, StringComparison.Ordinal)).Select(s => "cross-tenant read of " + s + ": " + probe));
            }

            var statuses = string.Join(", ", _probes.GroupBy(p => p.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}"));
            TestContext.Current.SendDiagnosticMessage("{0} probes: {1}", _probes.Count, statuses);
            failures.ShouldBeEmpty(statuses);
        }

        /// <summary>Kestrel refuses a NUL in the path itself (400, no body) before any host or worker code runs, as a front end would.</summary>
        private static bool RefusedByTheServer(Probe probe) =>
            probe.Status == 400 && probe.Body.Length == 0 && probe.ContentType is null && probe.Request.Contains("%00", StringComparison.Ordinal);

        private static bool IsProblem(Probe probe)
        {
            if (probe.ContentType?.StartsWith("application/problem+json", StringComparison.Ordinal) != true)
            {
                return false;
            }

            try
            {
                using var document = JsonDocument.Parse(probe.Body);
                return document.RootElement.TryGetProperty("status", out var status) && status.TryGetInt32(out var code) && code == probe.Status
                    && document.RootElement.TryGetProperty("title", out _);
            }
            catch (JsonException)
            {
                return false;
            }
        }
    }
}
