using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Demand.Tooling.Host;
using Microsoft.Extensions.Logging;

namespace Demand.Tooling.Tests.Host;

/// <summary>HTTP triggers through the front end: RpcHttp invocation + the request forwarded to the worker's own Kestrel.</summary>
public sealed class HttpTriggerTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_get_with_a_route_value_and_query_returns_the_functions_json_status_and_headers()
    {
        using var response = await fixture.Http.GetAsync("api/items/abc-1?q=shoes", Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.GetValues("x-item-id").ShouldBe(["abc-1"]);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        body.GetProperty("id").GetString().ShouldBe("abc-1");
        body.GetProperty("query").GetString().ShouldBe("shoes");
    }

    [Fact]
    public async Task A_typed_not_found_result_reaches_the_caller()
    {
        using var response = await fixture.Http.GetAsync("api/items/missing", Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_posted_binary_body_and_headers_reach_the_function_unchanged_and_a_catch_all_route_gets_the_rest()
    {
        var payload = new byte[300_000];
        new Random(42).NextBytes(payload);
        using var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-demand");
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/echo/a/b/c.txt") { Content = content };
        request.Headers.Add("x-test", "hello-header");

        using var response = await fixture.Http.SendAsync(request, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.GetValues("x-rest").ShouldBe(["a/b/c.txt"]);
        response.Headers.GetValues("x-echo-header").ShouldBe(["hello-header"]);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/x-demand");
        (await response.Content.ReadAsByteArrayAsync(Ct)).ShouldBe(payload);
    }

    [Fact]
    public async Task A_created_result_carries_its_status_location_and_body_for_either_declared_method()
    {
        using var put = await fixture.Http.PutAsync("api/created", null, Ct);
        using var post = await fixture.Http.PostAsync("api/created", null, Ct);

        put.StatusCode.ShouldBe(HttpStatusCode.Created);
        put.Headers.Location!.ToString().ShouldBe("/api/items/new");
        (await put.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("query").GetString().ShouldBe("PUT");
        (await post.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("query").GetString().ShouldBe("POST");
    }

    [Theory]
    [InlineData("GET", "api/nothing-here")]
    [InlineData("GET", "api/echo/x")]
    [InlineData("DELETE", "api/items/1")]
    [InlineData("GET", "items/1")]
    public async Task Unmatched_paths_and_methods_answer_404_like_the_azure_host(string method, string path)
    {
        using var response = await fixture.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_body_over_the_limit_answers_413_problem_details_whether_declared_or_chunked()
    {
        var payload = new byte[HostFixture.BodyLimit + 1];
        using var declared = new ByteArrayContent(payload);

        using var byLength = await fixture.Http.PostAsync("api/echo/big", declared, Ct);
        // Refused half-way through a chunked body: read at the socket, as the server may close before the rest is sent.
        var (status, contentType, body) = await PostChunkedAsync(fixture.Host.HttpBaseAddress, "/api/echo/big", payload);

        byLength.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        byLength.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await byLength.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetInt32().ShouldBe(413);
        status.ShouldBe(413, body);
        contentType.ShouldStartWith("application/problem+json");
        JsonDocument.Parse(body).RootElement.GetProperty("status").GetInt32().ShouldBe(413);
        using var within = await fixture.Http.PostAsync("api/echo/small", new ByteArrayContent(new byte[HostFixture.BodyLimit]), Ct);
        within.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static async Task<(int Status, string ContentType, string Body)> PostChunkedAsync(Uri baseAddress, string path, byte[] payload)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(baseAddress.Host, baseAddress.Port, Ct);
        var stream = tcp.GetStream();
        try
        {
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: {baseAddress.Authority}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"), Ct);
            for (var offset = 0; offset < payload.Length; offset += 16_384)
            {
                var length = Math.Min(16_384, payload.Length - offset);
                await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(length.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "\r\n"), Ct);
                await stream.WriteAsync(payload.AsMemory(offset, length), Ct);
                await stream.WriteAsync("\r\n"u8.ToArray(), Ct);
            }

            await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), Ct);
        }
        catch (IOException)
        {
            // The server answered and closed before the whole body was sent.
        }

        using var response = new MemoryStream();
        try
        {
            await stream.CopyToAsync(response, Ct);
        }
        catch (IOException)
        {
            // A reset after the answer.
        }

        var text = System.Text.Encoding.UTF8.GetString(response.ToArray());
        var head = text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Split("\r\n");
        var contentType = head.Skip(1).Select(h => h.Split(':', 2)).Where(h => h[0].Equals("Content-Type", StringComparison.OrdinalIgnoreCase)).Select(h => h[1].Trim()).Single();
        var body = text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        // Chunked answer: the JSON is the text between the first chunk-size line and the next CRLF.
        if (!body.StartsWith('{'))
        {
            body = body[(body.IndexOf("\r\n", StringComparison.Ordinal) + 2)..];
            body = body[..body.IndexOf("\r\n", StringComparison.Ordinal)];
        }

        return (int.Parse(head[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), contentType, body);
    }

    [Fact]
    public async Task Http_invocations_are_counted_and_reported_as_outcomes()
    {
        var before = fixture.Host.Statistics.TryGetValue("Ping", out var s) ? s.Succeeded : 0;

        using var response = await fixture.Http.GetAsync("api/ping", Ct);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("\"pong\"");
        await fixture.Host.WaitForIdleAsync(TimeSpan.FromSeconds(10), Ct);

        fixture.Host.Statistics["Ping"].Succeeded.ShouldBe(before + 1);
    }

    /// <remarks>
    /// The worker (2.52, ASP.NET Core integration) itself answers the forwarded request of a throwing function with
    /// an empty 200; the Azure host streams the worker's answer through (YARP), so the caller sees exactly that.
    /// </remarks>
    [Fact]
    public async Task A_function_that_throws_is_recorded_as_failed_and_the_caller_gets_the_workers_own_answer_without_waiting()
    {
        var before = fixture.Host.Statistics["HttpFails"].Failed;

        // Far below functionTimeout (30 min), with room for a loaded 2-core machine.
        using var response = await fixture.Http.GetAsync("api/fails", Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsByteArrayAsync(Ct)).ShouldBeEmpty();
        await fixture.Host.WaitForIdleAsync(TimeSpan.FromSeconds(30), Ct);
        fixture.Host.Statistics["HttpFails"].Failed.ShouldBe(before + 1);
        fixture.Host.Outcomes.Last(o => o.FunctionName == "HttpFails").Error!.ShouldContain("the HTTP function failed on purpose");
    }

    [Fact]
    public async Task The_workers_logs_reach_the_hosts_logger_with_their_category_and_level()
    {
        var word = "w" + Guid.NewGuid().ToString("N");

        using var response = await fixture.Http.PostAsync($"api/logs/{word}", null, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!fixture.Logs.Entries.Any(e => e.Message.Contains(word, StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }

        var entry = fixture.Logs.Entries.First(e => e.Message.Contains(word, StringComparison.Ordinal));
        entry.Message.ShouldBe($"The worker logged {word}");
        entry.Level.ShouldBe(LogLevel.Warning);
        entry.Category.ShouldContain("HttpLogs");
    }

    [Fact]
    public async Task A_caller_that_goes_away_aborts_the_forwarded_request_in_the_worker()
    {
        var tag = "t" + Guid.NewGuid().ToString("N");
        using var caller = new CancellationTokenSource();
        var call = fixture.Http.GetAsync($"api/wait/{tag}", caller.Token);
        while (fixture.Host.InFlight == 0)
        {
            await Task.Delay(20, Ct);
        }

        // In flight at the host; give the forwarded request a moment to reach the function.
        await Task.Delay(500, Ct);

        await caller.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => call);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!fixture.Logs.Entries.Any(e => e.Message == $"Request {tag} aborted") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }

        fixture.Logs.Entries.ShouldContain(e => e.Message == $"Request {tag} aborted");
    }

    [Fact]
    public void The_worker_reports_every_function_with_its_trigger_kind()
    {
        var functions = fixture.Host.Functions.ToDictionary(f => f.Name, f => f.Trigger);

        functions["HttpGetItem"].ShouldBe(TriggerKind.Http);
        functions["QueueToMany"].ShouldBe(TriggerKind.Queue);
        functions["BlobIngest"].ShouldBe(TriggerKind.Blob);
        functions["NightlyTimer"].ShouldBe(TriggerKind.Timer);
        fixture.Host.Functions.Single(f => f.Name == "HttpEcho").Route.ShouldBe("echo/{*rest}");
    }
}
