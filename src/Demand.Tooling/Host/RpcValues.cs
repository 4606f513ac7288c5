using System.Globalization;
using System.Text;
using System.Text.Json;
using Demand.Tooling.Host.Rpc;
using Google.Protobuf;

namespace Demand.Tooling.Host;

/// <summary>Conversions between .NET values and TypedData, the way the Azure host converts binding data.</summary>
internal static class RpcValues
{
    public static TypedData String(string value) => new() { String = value };

    /// <summary>
    /// Numbers in binding data travel as JSON: the worker rejects TypedData.Int in trigger metadata
    /// ("Int is not supported"), and the Azure host serializes non-string values with Json.NET.
    /// </summary>
    public static TypedData Number(long value) => new() { Json = value.ToString(CultureInfo.InvariantCulture) };

    /// <summary>Dates travel as JSON strings (the host serializes DateTimeOffset with Json.NET, ISO 8601 with offset).</summary>
    public static TypedData Date(DateTimeOffset? value) =>
        new() { Json = value is { } v ? JsonSerializer.Serialize(v.ToString("yyyy-MM-ddTHH:mm:ssK", CultureInfo.InvariantCulture)) : "null" };

    public static TypedData Json(object value) => new() { Json = JsonSerializer.Serialize(value) };

    /// <summary>The host's <c>sys</c> binding data: method name, current UTC time and a random GUID.</summary>
    public static TypedData Sys(string functionName) => Json(new Dictionary<string, object>
    {
        ["MethodName"] = functionName,
        ["UtcNow"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        ["RandGuid"] = Guid.NewGuid().ToString(),
    });

    /// <summary>
    /// The messages an output value stands for, as the host's collectors add them: a JSON array or a typed
    /// collection is one message per element (string elements as their text, others as JSON); anything else is one.
    /// </summary>
    public static IReadOnlyList<byte[]> Messages(TypedData data) => data.DataCase switch
    {
        TypedData.DataOneofCase.String => [Encoding.UTF8.GetBytes(data.String)],
        TypedData.DataOneofCase.Bytes => [data.Bytes.ToByteArray()],
        TypedData.DataOneofCase.Stream => [data.Stream.ToByteArray()],
        TypedData.DataOneofCase.Int => [Encoding.UTF8.GetBytes(data.Int.ToString(CultureInfo.InvariantCulture))],
        TypedData.DataOneofCase.Double => [Encoding.UTF8.GetBytes(data.Double.ToString(CultureInfo.InvariantCulture))],
        TypedData.DataOneofCase.CollectionString => [.. data.CollectionString.String.Select(Encoding.UTF8.GetBytes)],
        TypedData.DataOneofCase.CollectionBytes => [.. data.CollectionBytes.Bytes.Select(b => b.ToByteArray())],
        TypedData.DataOneofCase.CollectionSint64 => [.. data.CollectionSint64.Sint64.Select(v => Encoding.UTF8.GetBytes(v.ToString(CultureInfo.InvariantCulture)))],
        TypedData.DataOneofCase.CollectionDouble => [.. data.CollectionDouble.Double.Select(v => Encoding.UTF8.GetBytes(v.ToString(CultureInfo.InvariantCulture)))],
        TypedData.DataOneofCase.Json => JsonMessages(data.Json),
        _ => [],
    };

    /// <summary>The bytes a blob output writes: text as UTF-8, bytes as they are.</summary>
    public static byte[]? Content(TypedData data) => data.DataCase switch
    {
        TypedData.DataOneofCase.String => Encoding.UTF8.GetBytes(data.String),
        TypedData.DataOneofCase.Json => Encoding.UTF8.GetBytes(data.Json),
        TypedData.DataOneofCase.Bytes => data.Bytes.ToByteArray(),
        TypedData.DataOneofCase.Stream => data.Stream.ToByteArray(),
        TypedData.DataOneofCase.Int => Encoding.UTF8.GetBytes(data.Int.ToString(CultureInfo.InvariantCulture)),
        TypedData.DataOneofCase.Double => Encoding.UTF8.GetBytes(data.Double.ToString(CultureInfo.InvariantCulture)),
        _ => null,
    };

    public static ModelBindingData BlobBindingData(string connection, string container, string blobName) => new()
    {
        Version = "1.0",
        Source = "AzureStorageBlobs",
        ContentType = "application/json",
        Content = ByteString.CopyFromUtf8(JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["Connection"] = connection,
            ["ContainerName"] = container,
            ["BlobName"] = blobName,
        })),
    };

    private static byte[][] JsonMessages(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Array)
        {
            return [Encoding.UTF8.GetBytes(root.ValueKind == JsonValueKind.String ? root.GetString()! : json)];
        }

        return [.. root.EnumerateArray().Select(e => Encoding.UTF8.GetBytes(e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()))];
    }
}
