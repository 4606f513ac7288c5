using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Demand.Hosting.Envelope;

/// <summary>Queue message facts the host puts in invocation metadata.</summary>
public sealed record QueueMessageInfo(string Id, long DequeueCount, DateTimeOffset InsertionTime, DateTimeOffset ExpirationTime, DateTimeOffset NextVisibleTime, string PopReceipt);

/// <summary>Blob facts the host puts in invocation metadata; <see cref="PatternValues"/> come from the trigger path.</summary>
public sealed record BlobInfo(Uri Uri, IReadOnlyDictionary<string, string> PatternValues, string ContentType, DateTimeOffset LastModified, string ETag);

/// <summary>
/// Builds invocation bodies exactly as the Functions host does (custom-handler-contract.md): the local host
/// stand-in sends these, and tests use them to call the handler over real HTTP.
/// </summary>
public static class HostPayloads
{
    /// <summary>A queue-trigger invocation: the message text arrives double-encoded, metadata strings JSON-quoted, numbers as strings.</summary>
    public static byte[] QueueTrigger(string functionName, string bindingName, string messageText, QueueMessageInfo info)
    {
        return Write(writer =>
        {
            writer.WriteStartObject("Data");
            writer.WriteString(bindingName, JsonSerializer.Serialize(messageText));
            writer.WriteEndObject();
            writer.WriteStartObject("Metadata");
            writer.WriteString("DequeueCount", info.DequeueCount.ToString(CultureInfo.InvariantCulture));
            writer.WriteString("Id", Quote(info.Id));
            writer.WriteString("InsertionTime", info.InsertionTime.ToString("O", CultureInfo.InvariantCulture));
            writer.WriteString("ExpirationTime", info.ExpirationTime.ToString("O", CultureInfo.InvariantCulture));
            writer.WriteString("NextVisibleTime", info.NextVisibleTime.ToString("O", CultureInfo.InvariantCulture));
            writer.WriteString("PopReceipt", Quote(info.PopReceipt));
            WriteSys(writer, functionName);
            writer.WriteEndObject();
        });
    }

    /// <summary>A blob-trigger invocation with <c>dataType: binary</c>: the whole blob as base64.</summary>
    public static byte[] BlobTrigger(string functionName, string bindingName, ReadOnlySpan<byte> content, BlobInfo info)
    {
        var buffer = new ArrayBufferWriter<byte>(((content.Length + 2) / 3 * 4) + 4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("Data");
            writer.WriteBase64String(bindingName, content);
            writer.WriteEndObject();
            writer.WriteStartObject("Metadata");
            writer.WriteString("Uri", Quote(info.Uri.ToString()));
            writer.WriteStartObject("Properties");
            writer.WriteNumber("ContentLength", content.Length);
            writer.WriteString("ContentType", info.ContentType);
            writer.WriteString("LastModified", info.LastModified.ToString("O", CultureInfo.InvariantCulture));
            writer.WriteString("ETag", info.ETag);
            writer.WriteEndObject();
            writer.WriteStartObject("Metadata");
            writer.WriteEndObject();
            foreach (var (key, value) in info.PatternValues)
            {
                writer.WriteString(key, Quote(value));
            }

            WriteSys(writer, functionName);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A timer-trigger invocation.</summary>
    public static byte[] TimerTrigger(string functionName, string bindingName, bool isPastDue)
    {
        return Write(writer =>
        {
            writer.WriteStartObject("Data");
            writer.WriteStartObject(bindingName);
            writer.WriteStartObject("Schedule");
            writer.WriteBoolean("AdjustForDST", true);
            writer.WriteEndObject();
            writer.WriteNull("ScheduleStatus");
            writer.WriteBoolean("IsPastDue", isPastDue);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteStartObject("Metadata");
            WriteSys(writer, functionName);
            writer.WriteEndObject();
        });
    }

    private static string Quote(string value) => JsonSerializer.Serialize(value);

    private static void WriteSys(Utf8JsonWriter writer, string functionName)
    {
        writer.WriteStartObject("sys");
        writer.WriteString("MethodName", functionName);
        writer.WriteString("UtcNow", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        writer.WriteString("RandGuid", Guid.NewGuid().ToString());
        writer.WriteEndObject();
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
