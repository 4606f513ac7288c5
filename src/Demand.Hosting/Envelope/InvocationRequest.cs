using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Demand.Hosting.Envelope;

/// <summary>
/// A decoded non-HTTP invocation from the Functions host (custom-handler-contract.md): the PascalCase
/// envelope <c>{"Data":{…},"Metadata":{…}}</c>. The body is held once; binding values are slices of it,
/// and binary (base64) values are decoded in place, so a 100 MB blob costs one buffer, not three.
/// Not thread-safe: one invocation is handled by one request.
/// </summary>
public sealed class InvocationRequest
{
    private readonly byte[] _body;
    private readonly Dictionary<string, Slice> _data;
    private readonly JsonElement _metadata;
    private readonly Dictionary<string, ReadOnlyMemory<byte>> _decodedBinary = new(StringComparer.Ordinal);

    private InvocationRequest(byte[] body, Dictionary<string, Slice> data, JsonElement metadata)
    {
        _body = body;
        _data = data;
        _metadata = metadata;
    }

    /// <summary>Binding names present in <c>Data</c>.</summary>
    public IEnumerable<string> DataNames => _data.Keys;

    /// <summary>Metadata keys present (the host drops keys ending in "Trigger").</summary>
    public IEnumerable<string> MetadataNames =>
        _metadata.ValueKind == JsonValueKind.Object ? _metadata.EnumerateObject().Select(p => p.Name) : [];

    /// <summary>Reads a request body of known or unknown length into one exactly-sized buffer and decodes it.</summary>
    public static async Task<InvocationRequest> ReadAsync(Stream body, long? contentLength, CancellationToken cancellationToken)
    {
        byte[] buffer;
        if (contentLength is { } length)
        {
            buffer = GC.AllocateUninitializedArray<byte>(checked((int)length));
            await body.ReadExactlyAsync(buffer, cancellationToken);
        }
        else
        {
            using var copy = new MemoryStream();
            await body.CopyToAsync(copy, cancellationToken);
            buffer = copy.ToArray();
        }

        return Parse(buffer);
    }

    /// <summary>Decodes an envelope; the request takes ownership of <paramref name="body"/>.</summary>
    /// <exception cref="InvocationFormatException">The body is not a host envelope.</exception>
    public static InvocationRequest Parse(byte[] body)
    {
        var data = new Dictionary<string, Slice>(StringComparer.Ordinal);
        var metadata = default(JsonElement);
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new InvocationFormatException("The invocation body is not a JSON object.");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("Data"u8))
                {
                    reader.Read();
                    ReadData(ref reader, data);
                }
                else if (reader.ValueTextEquals("Metadata"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        // Metadata is small: one detached document, looked up on demand.
                        metadata = JsonElement.ParseValue(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException ex)
        {
            throw new InvocationFormatException($"The invocation body is not valid JSON: {ex.Message}", ex);
        }

        return new InvocationRequest(body, data, metadata);
    }

    public bool HasData(string binding) => _data.ContainsKey(binding);

    /// <summary>
    /// A string binding value (queue message text), unwrapped from the host's double encoding: the value is
    /// JSON text inside a JSON string; if the inner text is not a JSON string literal the raw string is used.
    /// </summary>
    public string? GetString(string binding)
    {
        var slice = Get(binding);
        if (slice.Kind == JsonTokenType.Null)
        {
            return null;
        }

        if (slice.Kind != JsonTokenType.String)
        {
            return Encoding.UTF8.GetString(_body, slice.Start, slice.Length);
        }

        var first = ArrayPool<byte>.Shared.Rent(slice.Length);
        var second = ArrayPool<byte>.Shared.Rent(slice.Length);
        try
        {
            return Encoding.UTF8.GetString(Unwrap(slice, first, second));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(first);
            ArrayPool<byte>.Shared.Return(second);
        }
    }

    /// <summary>A JSON binding value (queue message holding JSON, or an object such as the timer info).</summary>
    public T? GetJson<T>(string binding, JsonSerializerOptions? options = null)
    {
        var slice = Get(binding);
        if (slice.Kind != JsonTokenType.String)
        {
            return JsonSerializer.Deserialize<T>(_body.AsSpan(slice.Start, slice.Length), options);
        }

        var first = ArrayPool<byte>.Shared.Rent(slice.Length);
        var second = ArrayPool<byte>.Shared.Rent(slice.Length);
        try
        {
            return JsonSerializer.Deserialize<T>(Unwrap(slice, first, second), options);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(first);
            ArrayPool<byte>.Shared.Return(second);
        }
    }

    /// <summary>A binary binding value (blob trigger with <c>dataType: binary</c>): base64, decoded in place once.</summary>
    /// <exception cref="InvocationFormatException">The value is not a base64 string.</exception>
    public ReadOnlyMemory<byte> GetBinary(string binding)
    {
        if (_decodedBinary.TryGetValue(binding, out var done))
        {
            return done;
        }

        var slice = Get(binding);
        if (slice.Kind != JsonTokenType.String)
        {
            throw new InvocationFormatException($"Binding '{binding}' is not a base64 string (dataType must be binary).");
        }

        Memory<byte> target;
        if (slice.Escaped)
        {
            // Rare: a serializer that escaped '/' or '+'. Unescape into a new buffer (never larger than the raw text).
            target = Encoding.UTF8.GetBytes(ReadStringToken(slice));
        }
        else
        {
            target = _body.AsMemory(slice.Start, slice.Length);
        }

        if (Base64.DecodeFromUtf8InPlace(target.Span, out var written) != OperationStatus.Done)
        {
            throw new InvocationFormatException($"Binding '{binding}' is not valid base64.");
        }

        var result = target[..written];
        _decodedBinary[binding] = result;
        return result;
    }

    /// <summary>A metadata value as text: JSON-quoted strings are unquoted; numbers and booleans as written.</summary>
    public string? GetMetadata(string key)
    {
        if (GetMetadataElement(key) is not { } element)
        {
            return null;
        }

        return element.ValueKind switch
        {
            JsonValueKind.String => UnwrapDoubleEncoded(element.GetString()!),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => element.GetRawText(),
        };
    }

    /// <summary>A metadata value as a number; the host sends numbers as strings ("DequeueCount":"1").</summary>
    public long? GetMetadataInt64(string key) =>
        long.TryParse(GetMetadata(key), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    /// <summary>A structured metadata value (e.g. blob <c>Properties</c>, <c>sys</c>).</summary>
    public JsonElement? GetMetadataElement(string key) =>
        _metadata.ValueKind == JsonValueKind.Object && _metadata.TryGetProperty(key, out var element) ? element : null;

    internal static string UnwrapDoubleEncoded(string value)
    {
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            try
            {
                return JsonSerializer.Deserialize<string>(value) ?? value;
            }
            catch (JsonException)
            {
                return value;
            }
        }

        return value;
    }

    /// <summary>
    /// Unescapes a string value into <paramref name="first"/> (UTF-8, never longer than the raw text); when the
    /// result is itself a JSON string literal (the host's double encoding) it is unescaped once more into
    /// <paramref name="second"/>. Both buffers are at least as long as the raw value.
    /// </summary>
    private ReadOnlySpan<byte> Unwrap(Slice slice, byte[] first, byte[] second)
    {
        ReadOnlySpan<byte> outer;
        if (slice.Escaped)
        {
            var reader = new Utf8JsonReader(_body.AsSpan(slice.Start - 1, slice.Length + 2));
            reader.Read();
            outer = first.AsSpan(0, reader.CopyString(first));
        }
        else
        {
            outer = _body.AsSpan(slice.Start, slice.Length);
        }

        if (outer.Length < 2 || outer[0] != (byte)'"' || outer[^1] != (byte)'"')
        {
            return outer;
        }

        try
        {
            var inner = new Utf8JsonReader(outer);
            if (!inner.Read() || inner.TokenType != JsonTokenType.String || inner.BytesConsumed != outer.Length)
            {
                return outer;
            }

            return inner.ValueIsEscaped ? second.AsSpan(0, inner.CopyString(second)) : inner.ValueSpan;
        }
        catch (JsonException)
        {
            return outer;
        }
    }

    private Slice Get(string binding) =>
        _data.TryGetValue(binding, out var slice)
            ? slice
            : throw new InvocationFormatException($"The invocation has no Data.{binding}.");

    private string ReadStringToken(Slice slice)
    {
        // The slice excludes the quotes; re-read with them to unescape.
        var reader = new Utf8JsonReader(_body.AsSpan(slice.Start - 1, slice.Length + 2));
        reader.Read();
        return reader.GetString()!;
    }

    private static void ReadData(ref Utf8JsonReader reader, Dictionary<string, Slice> data)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvocationFormatException("Data is not a JSON object.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    data[name] = new Slice(start + 1, reader.ValueSpan.Length, JsonTokenType.String, reader.ValueIsEscaped);
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    var kind = reader.TokenType;
                    reader.Skip();
                    data[name] = new Slice(start, (int)reader.BytesConsumed - start, kind, false);
                    break;
                default:
                    data[name] = new Slice(start, (int)reader.BytesConsumed - start, reader.TokenType, false);
                    break;
            }
        }
    }

    private readonly record struct Slice(int Start, int Length, JsonTokenType Kind, bool Escaped);
}

/// <summary>The request body is not a host invocation envelope.</summary>
public sealed class InvocationFormatException : Exception
{
    public InvocationFormatException(string message)
        : base(message)
    {
    }

    public InvocationFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
