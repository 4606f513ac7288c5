using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Demand.Core.Mining;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Demand.Testing.OpenAi;

/// <summary>What a response does instead of a correct answer.</summary>
public enum OpenAiFault
{
    None,

    /// <summary>429 with <c>Retry-After</c>.</summary>
    TooManyRequests,

    /// <summary>500.</summary>
    ServerError,

    /// <summary>A correct answer after <see cref="OpenAiTestServer.SlowDelay"/>.</summary>
    Slow,

    /// <summary>200 with content that is not JSON.</summary>
    Malformed,

    /// <summary>200 with half the JSON and <c>finish_reason: length</c>.</summary>
    Truncated,

    /// <summary>The correct needs plus needs with invented evidence, an unknown polarity, a bad severity, a wrong type.</summary>
    InvalidItems,
}

/// <summary>One request the server answered.</summary>
public sealed record RecordedRequest(long Timestamp, IReadOnlyList<string> Reviews, int Status, OpenAiFault Fault, string SystemPrompt, string UserContent);

/// <summary>
/// An OpenAI-compatible <c>/v1/chat/completions</c> on 127.0.0.1 (real Kestrel). It insists on a strict
/// <c>json_schema</c> response format, answers in the miner's schema with the needs the offline miner finds in each
/// delimited review, and reports <c>usage</c> (≈ 4 characters per token for ASCII, 1 per CJK character). Faults are
/// queued per request. <see cref="Obedient"/> makes it a gullible model that follows instructions found in review
/// text: it echoes fake JSON, flips the other reviews of its batch to praise and invents needs.
/// </summary>
public sealed class OpenAiTestServer : IAsyncDisposable
{
    private static readonly string[] HostileMarkers = ["ignore", "instruction", "system", "prompt", "schema", "override", "忽略", "指令", "系统", "格式", "{"];

    private readonly WebApplication app;
    private readonly LexiconNeedMiner miner = new();

    private OpenAiTestServer(WebApplication app, Uri endpoint)
    {
        this.app = app;
        Endpoint = endpoint;
    }

    /// <summary>The base address to configure as the endpoint (<c>http://127.0.0.1:port/v1/</c>).</summary>
    public Uri Endpoint { get; }

    public ConcurrentQueue<OpenAiFault> Faults { get; } = new();

    /// <summary>Applied when <see cref="Faults"/> is empty.</summary>
    public OpenAiFault DefaultFault { get; set; }

    public bool Obedient { get; set; }

    public int RetryAfterSeconds { get; set; } = 1;

    public TimeSpan SlowDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The <c>Authorization</c> header the server requires (null: any).</summary>
    public string? RequiredApiKey { get; set; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Need phrases the server says differently (offline phrase → model phrase), as a real model would.</summary>
    public ConcurrentDictionary<string, string> Rephrase { get; } = new(StringComparer.Ordinal);

    /// <summary>Phrases embedded so far, in request order.</summary>
    public ConcurrentQueue<string> Embedded { get; } = new();

    /// <summary>Embedding requests answered with 500 from now on (an outage of the embedding deployment).</summary>
    public bool EmbeddingsDown { get; set; }

    /// <summary>
    /// Deterministic stand-in embeddings: character trigrams of the phrase hashed into 256 dimensions, unit length,
    /// so phrases that share most of their letters ("longer battery lifetime", "longer battery life") are close.
    /// </summary>
    public static float[] Embedding(string phrase)
    {
        var vector = new float[256];
        var padded = " " + phrase.ToLowerInvariant() + " ";
        for (var i = 0; i + 3 <= padded.Length; i++)
        {
            vector[(int)(Fnv(padded.AsSpan(i, 3)) % 256)] += 1;
        }

        var norm = MathF.Sqrt(vector.Sum(x => x * x));
        return norm == 0 ? vector : vector.Select(x => x / norm).ToArray();
    }

    public static async Task<OpenAiTestServer> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        OpenAiTestServer? server = null;
        app.MapPost("/v1/chat/completions", (HttpContext context) => server!.HandleAsync(context));
        app.MapPost("/v1/embeddings", (HttpContext context) => server!.EmbedAsync(context));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new OpenAiTestServer(app, new Uri(address.TrimEnd('/') + "/v1/"));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>~4 characters per token for ASCII, one token per other character (CJK), the usual rule of thumb.</summary>
    public static int Tokens(string text)
    {
        var ascii = 0;
        var other = 0;
        foreach (var c in text)
        {
            if (c < 128)
            {
                ascii++;
            }
            else
            {
                other++;
            }
        }

        return ((ascii + 3) / 4) + other;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (RequiredApiKey is not null && context.Request.Headers.Authorization != "Bearer " + RequiredApiKey)
        {
            await Reply(context, HttpStatusCode.Unauthorized, Error("bad key"), [], string.Empty, string.Empty);
            return;
        }

        var request = JsonNode.Parse(await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted))!;
        var messages = request["messages"]!.AsArray();
        var system = string.Concat(messages.Where(m => m!["role"]!.GetValue<string>() == "system").Select(m => Content(m!["content"]!)));
        var user = Content(messages.Last(m => m!["role"]!.GetValue<string>() == "user")!["content"]!);
        var format = request["response_format"];
        if (format?["type"]?.GetValue<string>() != "json_schema" || format["json_schema"]?["strict"]?.GetValue<bool>() != true || format["json_schema"]?["schema"] is null)
        {
            await Reply(context, HttpStatusCode.BadRequest, Error("a strict json_schema response format is required"), [], system, user);
            return;
        }

        var start = user.IndexOf("<reviews>", StringComparison.Ordinal);
        var end = user.LastIndexOf("</reviews>", StringComparison.Ordinal);
        if (start < 0 || end < start)
        {
            await Reply(context, HttpStatusCode.BadRequest, Error("no <reviews> data"), [], system, user);
            return;
        }

        var reviews = JsonSerializer.Deserialize<List<DataItem>>(user[(start + "<reviews>".Length)..end])!;
        var fault = Faults.TryDequeue(out var queued) ? queued : DefaultFault;
        switch (fault)
        {
            case OpenAiFault.TooManyRequests:
                context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                await Reply(context, HttpStatusCode.TooManyRequests, Error("rate limited"), reviews.Select(r => r.T).ToList(), system, user, fault);
                return;
            case OpenAiFault.ServerError:
                await Reply(context, HttpStatusCode.InternalServerError, Error("boom"), reviews.Select(r => r.T).ToList(), system, user, fault);
                return;
            case OpenAiFault.Slow:
                await Task.Delay(SlowDelay, context.RequestAborted);
                break;
        }

        var answer = Answer(reviews, fault);
        var text = fault switch
        {
            OpenAiFault.Malformed => "Sure! Here are the needs: {\"reviews\": [ {\"i\": 0, \"needs\": ",
            OpenAiFault.Truncated => answer[..(answer.Length / 2)],
            _ => answer,
        };
        var prompt = Tokens(system) + Tokens(user) + Tokens(format["json_schema"]!["schema"]!.ToJsonString());
        var completion = new JsonObject
        {
            ["id"] = "chatcmpl-test",
            ["object"] = "chat.completion",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = request["model"]!.GetValue<string>(),
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text },
                ["finish_reason"] = fault == OpenAiFault.Truncated ? "length" : "stop",
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = prompt, ["completion_tokens"] = Tokens(text), ["total_tokens"] = prompt + Tokens(text) },
        };
        await Reply(context, HttpStatusCode.OK, completion, reviews.Select(r => r.T).ToList(), system, user, fault);
    }

    private async Task EmbedAsync(HttpContext context)
    {
        var request = JsonNode.Parse(await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted))!;
        var input = request["input"] is JsonArray items ? items.Select(i => i!.GetValue<string>()).ToList() : [request["input"]!.GetValue<string>()];
        if (EmbeddingsDown)
        {
            await Reply(context, HttpStatusCode.InternalServerError, Error("embeddings down"), input, string.Empty, string.Empty);
            return;
        }

        var base64 = request["encoding_format"]?.GetValue<string>() == "base64";
        var data = new JsonArray();
        for (var i = 0; i < input.Count; i++)
        {
            Embedded.Enqueue(input[i]);
            var vector = Embedding(input[i]);
            data.Add(new JsonObject
            {
                ["object"] = "embedding",
                ["index"] = i,
                ["embedding"] = base64 ? Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan())) : new JsonArray(vector.Select(x => (JsonNode)x).ToArray()),
            });
        }

        var tokens = input.Sum(Tokens);
        await Reply(
            context,
            HttpStatusCode.OK,
            new JsonObject { ["object"] = "list", ["data"] = data, ["model"] = request["model"]!.GetValue<string>(), ["usage"] = new JsonObject { ["prompt_tokens"] = tokens, ["total_tokens"] = tokens } },
            input,
            string.Empty,
            string.Empty);
    }

    private static uint Fnv(ReadOnlySpan<char> text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }

    private string Answer(List<DataItem> reviews, OpenAiFault fault)
    {
        var hostile = Obedient ? reviews.FirstOrDefault(r => IsHostile(r.T)) : null;
        if (hostile is not null && hostile.T.IndexOf('{', StringComparison.Ordinal) is var fake and >= 0)
        {
            // A gullible model echoes the review's fake JSON as its whole answer.
            return hostile.T[fake..];
        }

        var entries = new JsonArray();
        foreach (var review in reviews)
        {
            var items = new JsonArray();
            foreach (var need in miner.Mine(review.T, null))
            {
                // Obeying "mark the others positive": valid evidence, wrong polarity — invisible to validation.
                var polarity = hostile is not null && review != hostile ? "positive" : need.Polarity;
                items.Add(Item(need.Aspect, Rephrase.GetValueOrDefault(need.Need, need.Need), polarity, need.Severity, need.Evidence));
            }

            if (hostile is not null)
            {
                items.Add(Item("gift", "free gift card", "negative", 3, review == hostile ? review.T[..Math.Min(8, review.T.Length)] : "SYSTEM OVERRIDE"));
            }

            entries.Add(new JsonObject { ["i"] = review.I, ["needs"] = items });
        }

        if (fault == OpenAiFault.InvalidItems)
        {
            var first = entries[0]!["needs"]!.AsArray();
            var text = reviews[0].T;
            first.Add(Item("size", "bigger size", "negative", 2, "text that is not in the review"));
            first.Add(Item("size", "bigger size", "furious", 2, text[..1]));
            first.Add(Item("size", "bigger size", "negative", 9, text[..1]));
            first.Add(new JsonObject { ["aspect"] = "size", ["need"] = 42 });
        }

        return new JsonObject { ["reviews"] = entries }.ToJsonString();
    }

    private static bool IsHostile(string text) => HostileMarkers.Any(m => text.Contains(m, StringComparison.OrdinalIgnoreCase));

    private static string Content(JsonNode content) =>
        content is JsonArray parts ? string.Concat(parts.Select(p => p!["text"]?.GetValue<string>())) : content.GetValue<string>();

    private static JsonObject Error(string message) => new() { ["error"] = new JsonObject { ["message"] = message, ["type"] = "test" } };

    private static JsonObject Item(string aspect, string need, string polarity, int severity, string evidence) => new()
    {
        ["aspect"] = aspect,
        ["need"] = need,
        ["polarity"] = polarity,
        ["severity"] = severity,
        ["evidence"] = evidence,
    };

    private async Task Reply(HttpContext context, HttpStatusCode status, JsonObject body, IReadOnlyList<string> reviews, string system, string user, OpenAiFault fault = OpenAiFault.None)
    {
        Requests.Enqueue(new RecordedRequest(Stopwatch.GetTimestamp(), reviews, (int)status, fault, system, user));
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    private sealed record DataItem(
        [property: System.Text.Json.Serialization.JsonPropertyName("i")] int I,
        [property: System.Text.Json.Serialization.JsonPropertyName("t")] string T);
}
