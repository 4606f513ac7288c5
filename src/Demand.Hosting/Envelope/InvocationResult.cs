using System.Buffers;
using System.Text.Json;

namespace Demand.Hosting.Envelope;

/// <summary>
/// The response to a non-HTTP invocation: <c>{"Outputs":{…},"Logs":[…],"ReturnValue":null}</c>.
/// Queue outputs are arrays of JSON objects (one message each; never bare strings, which the host would
/// base64-decode if they happened to look like base64); blob outputs are base64 on purpose.
/// </summary>
public sealed class InvocationResult
{
    private readonly Dictionary<string, Output> _outputs = new(StringComparer.Ordinal);
    private readonly List<string> _logs = [];

    public IReadOnlyCollection<string> OutputNames => _outputs.Keys;

    public IReadOnlyList<string> Logs => _logs;

    /// <summary>Appends queue messages for <paramref name="binding"/>; each must serialise to a JSON object.</summary>
    public InvocationResult AddMessages<T>(string binding, IEnumerable<T> messages, JsonSerializerOptions? options = null)
    {
        if (!_outputs.TryGetValue(binding, out var output))
        {
            output = new Output(new List<byte[]>(), null);
            _outputs[binding] = output;
        }

        if (output.Messages is null)
        {
            throw new InvalidOperationException($"Output '{binding}' is a blob, not a queue.");
        }

        foreach (var message in messages)
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(message, options);
            if (json.Length == 0 || json[0] != (byte)'{')
            {
                throw new InvalidOperationException($"Queue output '{binding}' must be a JSON object, not {json.Length} bytes of another kind.");
            }

            output.Messages.Add(json);
        }

        return this;
    }

    /// <summary>Sets a blob output to <paramref name="content"/> (sent base64).</summary>
    public InvocationResult SetBlob(string binding, ReadOnlyMemory<byte> content)
    {
        _outputs[binding] = new Output(null, content);
        return this;
    }

    public InvocationResult Log(string line)
    {
        _logs.Add(line);
        return this;
    }

    public int MessageCount(string binding) =>
        _outputs.TryGetValue(binding, out var output) ? output.Messages?.Count ?? 0 : 0;

    public void WriteTo(IBufferWriter<byte> destination)
    {
        using var writer = new Utf8JsonWriter(destination, new JsonWriterOptions { SkipValidation = false });
        writer.WriteStartObject();
        writer.WriteStartObject("Outputs");
        foreach (var (name, output) in _outputs)
        {
            writer.WritePropertyName(name);
            if (output.Messages is { } messages)
            {
                writer.WriteStartArray();
                foreach (var json in messages)
                {
                    writer.WriteRawValue(json, skipInputValidation: true);
                }

                writer.WriteEndArray();
            }
            else
            {
                writer.WriteBase64StringValue(output.Blob.Span);
            }
        }

        writer.WriteEndObject();
        writer.WriteStartArray("Logs");
        foreach (var line in _logs)
        {
            writer.WriteStringValue(line);
        }

        writer.WriteEndArray();
        writer.WriteNull("ReturnValue");
        writer.WriteEndObject();
    }

    public byte[] ToUtf8Bytes()
    {
        var buffer = new ArrayBufferWriter<byte>();
        WriteTo(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private sealed record Output(List<byte[]>? Messages, ReadOnlyMemory<byte> Blob);
}
