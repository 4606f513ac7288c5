using System.Text.Json;
using System.Text.Unicode;

namespace Demand.Core.Ingestion;

/// <summary>
/// Writes rejected lines as JSON Lines: <c>{"line":n,"reason":"…","raw":"…"}</c>; <c>rawBase64</c> instead of
/// <c>raw</c> when the bytes are not UTF-8, <c>rawClipped: true</c> when only a prefix of an endless line is kept.
/// </summary>
public sealed class QuarantineWriter(Stream destination) : IDisposable
{
    private readonly Utf8JsonWriter _writer = new(destination, new JsonWriterOptions { Indented = false, SkipValidation = true });

    public long Count { get; private set; }

    public void Write(long line, string reason, ReadOnlySpan<byte> raw, bool clipped)
    {
        _writer.WriteStartObject();
        _writer.WriteNumber("line"u8, line);
        _writer.WriteString("reason"u8, reason);
        if (Utf8.IsValid(raw))
        {
            _writer.WriteString("raw"u8, raw);
        }
        else
        {
            _writer.WriteBase64String("rawBase64"u8, raw);
        }

        if (clipped)
        {
            _writer.WriteBoolean("rawClipped"u8, true);
        }

        _writer.WriteEndObject();
        _writer.Flush();
        destination.WriteByte((byte)'\n');
        _writer.Reset();
        Count++;
    }

    public void Dispose() => _writer.Dispose();
}
