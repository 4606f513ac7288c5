using System.Text;
using System.Text.Json;
using Demand.Hosting.Envelope;

namespace Demand.Hosting.Tests;

/// <summary>Outputs encode so that the host produces exactly the intended messages and blobs.</summary>
public sealed class OutputEncodingTests
{
    private sealed record Message(string MerchantId, string[] UserIds);

    [Fact]
    public void An_array_output_becomes_one_queue_message_per_element_with_the_objects_json()
    {
        var result = new InvocationResult()
            .AddMessages("scoreQueue", [new Message("m1", ["u1"]), new Message("m1", ["u2", "u3"])], new JsonSerializerOptions(JsonSerializerDefaults.Web));

        var host = HostOutputs.Parse(result.ToUtf8Bytes());
        var messages = HostOutputs.QueueMessages(host.Outputs["scoreQueue"]).Select(m => Encoding.UTF8.GetString(m)).ToList();

        messages.ShouldBe(["{\"merchantId\":\"m1\",\"userIds\":[\"u1\"]}", "{\"merchantId\":\"m1\",\"userIds\":[\"u2\",\"u3\"]}"]);
    }

    [Fact]
    public void A_blob_output_arrives_as_the_exact_bytes_even_when_they_are_text()
    {
        var content = Encoding.UTF8.GetBytes("{\"line\":3,\"reason\":\"unknown_type\"}\n");
        var result = new InvocationResult().SetBlob("rejects", content);

        var host = HostOutputs.Parse(result.ToUtf8Bytes());

        HostOutputs.BlobContent(host.Outputs["rejects"]).ShouldBe(content);
    }

    [Fact]
    public void The_host_base64_decodes_a_bare_string_that_looks_like_base64_which_is_why_messages_must_be_objects()
    {
        using var doc = JsonDocument.Parse("\"test\"");

        var bytes = HostOutputs.QueueMessages(doc.RootElement).Single();

        bytes.ShouldNotBe(Encoding.UTF8.GetBytes("test"));
        Should.Throw<InvalidOperationException>(() => new InvocationResult().AddMessages("q", ["test"]));
    }

    [Fact]
    public void The_envelope_has_outputs_logs_and_a_null_return_value()
    {
        var json = new InvocationResult().Log("ingested 3 events").ToUtf8Bytes();

        using var doc = JsonDocument.Parse(json);
        doc.RootElement.GetProperty("Outputs").ValueKind.ShouldBe(JsonValueKind.Object);
        doc.RootElement.GetProperty("Logs")[0].GetString().ShouldBe("ingested 3 events");
        doc.RootElement.GetProperty("ReturnValue").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public void A_response_with_a_return_value_is_refused_because_it_would_overwrite_outputs()
    {
        Should.Throw<InvocationFormatException>(() => HostOutputs.Parse("{\"Outputs\":{},\"Logs\":[],\"ReturnValue\":{\"a\":1}}"u8));
    }
}
