using System.Text;
using System.Text.Json;
using Demand.Hosting.Envelope;

namespace Demand.Hosting.Tests;

/// <summary>Payload shapes captured from real hosts (custom-handler-contract.md) decode to the intended values.</summary>
public sealed class EnvelopeDecodingTests
{
    private static InvocationRequest Parse(string json) => InvocationRequest.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void A_captured_queue_invocation_yields_the_message_text_and_typed_metadata()
    {
        var request = Parse("""
            {"Data":{"msg":"\"hello!!\""},
             "Metadata":{"DequeueCount":"1","Id":"\"52d5a1c4-0000\"","InsertionTime":"2025-02-18T03:06:19+00:00",
              "ExpirationTime":"2025-02-25T03:06:19+00:00","NextVisibleTime":"2025-02-18T03:16:19+00:00","PopReceipt":"\"MThGZWIy\"",
              "sys":{"MethodName":"QueueFn","UtcNow":"2025-02-18T03:06:20Z","RandGuid":"4b0c"}}}
            """);

        request.GetString("msg").ShouldBe("hello!!");
        request.GetMetadataInt64("DequeueCount").ShouldBe(1);
        request.GetMetadata("Id").ShouldBe("52d5a1c4-0000");
        request.GetMetadata("PopReceipt").ShouldBe("MThGZWIy");
        request.GetMetadataElement("sys")!.Value.GetProperty("MethodName").GetString().ShouldBe("QueueFn");
    }

    [Fact]
    public void A_double_encoded_json_queue_message_deserialises_to_its_object()
    {
        var inner = JsonSerializer.Serialize(JsonSerializer.Serialize(new { a = 1, b = "x\"y" }));
        var request = Parse($$$"""{"Data":{"request":{{{JsonSerializer.Serialize(inner)}}}},"Metadata":{}}""");

        var message = request.GetJson<JsonElement>("request");

        message.GetProperty("a").GetInt32().ShouldBe(1);
        message.GetProperty("b").GetString().ShouldBe("x\"y");
    }

    [Fact]
    public void A_single_encoded_queue_message_is_taken_as_is()
    {
        var request = Parse("""{"Data":{"msg":"{\"a\":1}"},"Metadata":{}}""");

        request.GetString("msg").ShouldBe("{\"a\":1}");
        request.GetJson<JsonElement>("msg").GetProperty("a").GetInt32().ShouldBe(1);
    }

    [Fact]
    public void A_captured_binary_blob_invocation_decodes_the_bytes_and_quoted_path_values()
    {
        var content = "{\n  \"version\": 1\n}"u8.ToArray();
        var request = Parse($$$"""
            {"Data":{"log":"{{{Convert.ToBase64String(content)}}}"},
             "Metadata":{"Uri":"\"https://acct.blob.core.windows.net/logs/m1/2026-11-21/part-1.jsonl.gz\"",
              "Properties":{"ContentLength":377,"ContentType":"application/gzip","LastModified":"2026-11-21T00:00:00Z","ETag":"0x8DC"},
              "Metadata":{},"name":"\"2026-11-21/part-1.jsonl.gz\"","merchantId":"\"m1\"","sys":{"MethodName":"IngestLog"} } }
            """);

        request.GetBinary("log").ToArray().ShouldBe(content);
        request.GetMetadata("Uri").ShouldBe("https://acct.blob.core.windows.net/logs/m1/2026-11-21/part-1.jsonl.gz");
        request.GetMetadata("name").ShouldBe("2026-11-21/part-1.jsonl.gz");
        request.GetMetadata("merchantId").ShouldBe("m1");
        request.GetMetadataElement("Properties")!.Value.GetProperty("ContentLength").GetInt64().ShouldBe(377);
    }

    [Fact]
    public void Decoding_a_binary_value_twice_returns_the_same_bytes()
    {
        var request = Parse($$$"""{"Data":{"log":"{{{Convert.ToBase64String([1, 2, 3, 250])}}}"},"Metadata":{}}""");

        request.GetBinary("log").ToArray().ShouldBe(new byte[] { 1, 2, 3, 250 });
        request.GetBinary("log").ToArray().ShouldBe(new byte[] { 1, 2, 3, 250 });
    }

    [Fact]
    public void A_base64_value_with_escaped_slashes_still_decodes()
    {
        var bytes = new byte[] { 0xFF, 0xEF, 0xFE, 0x3F };
        var escaped = Convert.ToBase64String(bytes).Replace("/", "\\/", StringComparison.Ordinal);
        var request = Parse($$$"""{"Data":{"log":"{{{escaped}}}"},"Metadata":{}}""");

        request.GetBinary("log").ToArray().ShouldBe(bytes);
    }

    [Fact]
    public void A_captured_timer_invocation_exposes_the_timer_object()
    {
        var request = Parse("""{"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}},"Metadata":{"sys":{"MethodName":"NightlyRescore"}}}""");

        request.GetJson<JsonElement>("timer").GetProperty("IsPastDue").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public void Metadata_keys_are_case_sensitive_and_missing_ones_are_null()
    {
        var request = Parse("""{"Data":{},"Metadata":{"DequeueCount":"3"}}""");

        request.GetMetadata("dequeuecount").ShouldBeNull();
        request.GetMetadataInt64("DequeueCount").ShouldBe(3);
    }

    [Fact]
    public void A_missing_binding_is_a_clear_format_error()
    {
        var request = Parse("""{"Data":{},"Metadata":{}}""");

        Should.Throw<InvocationFormatException>(() => request.GetString("msg")).Message.ShouldContain("Data.msg");
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"Data\":")]
    public void A_body_that_is_not_an_envelope_is_rejected(string body) =>
        Should.Throw<InvocationFormatException>(() => Parse(body));

    [Fact]
    public void Payloads_built_like_the_host_round_trip_through_the_decoder()
    {
        var blob = new byte[70_000];
        Random.Shared.NextBytes(blob);
        var body = HostPayloads.BlobTrigger("IngestLog", "log", blob, new BlobInfo(
            new Uri("https://a.blob.core.windows.net/logs/m1/d/p.jsonl"),
            new Dictionary<string, string> { ["merchantId"] = "m1", ["name"] = "d/p.jsonl" },
            "application/x-ndjson", DateTimeOffset.UnixEpoch, "0x1"));

        var request = InvocationRequest.Parse(body);

        request.GetBinary("log").ToArray().ShouldBe(blob);
        request.GetMetadata("name").ShouldBe("d/p.jsonl");
        request.GetMetadata("merchantId").ShouldBe("m1");

        var queue = InvocationRequest.Parse(HostPayloads.QueueTrigger("ScoreUsers", "request", "{\"merchantId\":\"m1\"}", new QueueMessageInfo("id1", 2, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "pr")));
        queue.GetString("request").ShouldBe("{\"merchantId\":\"m1\"}");
        queue.GetMetadataInt64("DequeueCount").ShouldBe(2);
        queue.GetMetadata("Id").ShouldBe("id1");
    }
}
