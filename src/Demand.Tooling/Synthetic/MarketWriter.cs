using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Demand.Core.Events;

namespace Demand.Tooling.Synthetic;

/// <summary>Log layouts the writer can produce.</summary>
public enum SyntheticLayout
{
    /// <summary>The default contract: JSON Lines (or CSV with the standard header).</summary>
    Default,

    /// <summary><c>user,item,category,pv|buy|cart|fav,unix-seconds</c>, no header (the Taobao UserBehavior layout).</summary>
    Taobao,
}

/// <summary>What <see cref="MarketWriter"/> wrote.</summary>
public sealed record WriteSummary(long Events, long Reviews, int Parts, long Bytes, IReadOnlyList<string> Files);

/// <summary>
/// Writes a generated market as daily log parts <c>logs/{merchant}/{yyyy-MM-dd}/part-0001.jsonl[.gz]</c> and the
/// ground truth beside them (<c>truth/{merchant}/catalog.json</c>, <c>truth/{merchant}/reviews.jsonl</c>).
/// Streams: one open writer per day, Utf8JsonWriter straight to the (gzip) file.
/// </summary>
public static class MarketWriter
{
    public static WriteSummary Write(MarketOptions options, string outputDirectory, bool gzip = false, bool csv = false, SyntheticLayout layout = SyntheticLayout.Default)
    {
        var files = new SortedDictionary<int, Part>();
        var truthDir = Path.Combine(outputDirectory, "truth", options.MerchantId);
        Directory.CreateDirectory(truthDir);
        File.WriteAllText(Path.Combine(truthDir, "catalog.json"), JsonSerializer.Serialize(new { categories = Catalog.Categories, lifeEvents = Catalog.LifeEvents }, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
        long events = 0, reviews = 0;
        using (var truthStream = File.Create(Path.Combine(truthDir, "reviews.jsonl")))
        using (var truth = new Utf8JsonWriter(truthStream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            var extension = (csv || layout == SyntheticLayout.Taobao ? ".csv" : ".jsonl") + (gzip ? ".gz" : "");
            foreach (var generated in new MarketGenerator(options).Generate())
            {
                if (layout == SyntheticLayout.Taobao && TaobaoType(generated.Event.Type) is null)
                {
                    continue;
                }

                if (!files.TryGetValue(generated.Day, out var part))
                {
                    var date = options.Start.AddDays(generated.Day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                    var path = Path.Combine(outputDirectory, "logs", options.MerchantId, date, "part-0001" + extension);
                    part = new Part(path, gzip, csv && layout == SyntheticLayout.Default);
                    files[generated.Day] = part;
                }

                part.Write(generated.Event, layout, csv);
                events++;
                if (generated.Labels is { } labels)
                {
                    reviews++;
                    truth.WriteStartObject();
                    truth.WriteString("reviewId", generated.Event.EventId);
                    truth.WriteString("language", generated.Language);
                    truth.WriteString("text", generated.Event.Text);
                    truth.WriteNumber("rating", generated.Event.Rating ?? 0);
                    truth.WriteStartArray("labels");
                    foreach (var label in labels)
                    {
                        truth.WriteStartObject();
                        truth.WriteString("aspect", label.Aspect);
                        truth.WriteString("need", label.Need);
                        truth.WriteString("polarity", label.Polarity);
                        truth.WriteNumber("severity", label.Severity);
                        truth.WriteString("evidence", label.Evidence);
                        truth.WriteEndObject();
                    }

                    truth.WriteEndArray();
                    truth.WriteEndObject();
                    truth.Flush();
                    truth.Reset();
                    truthStream.WriteByte((byte)'\n');
                }
            }
        }

        long bytes = 0;
        var written = new List<string>();
        foreach (var part in files.Values)
        {
            part.Dispose();
            bytes += new FileInfo(part.Path).Length;
            written.Add(part.Path);
        }

        return new WriteSummary(events, reviews, files.Count, bytes, written);
    }

    internal static string? TaobaoType(EventType type) => type switch
    {
        EventType.View => "pv",
        EventType.Purchase => "buy",
        EventType.CartAdd => "cart",
        EventType.Wishlist => "fav",
        _ => null,
    };

    private sealed class Part : IDisposable
    {
        private static readonly byte[] Header = "eventId,userId,type,timestamp,productId,categoryId,price,quantity,query,rating,text,sessionId\n"u8.ToArray();
        private readonly Stream _file;
        private readonly Stream _stream;
        private readonly Utf8JsonWriter _json;

        public Part(string path, bool gzip, bool csvHeader)
        {
            Path = path;
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            _stream = gzip ? new GZipStream(_file, CompressionLevel.Fastest) : _file;
            _json = new Utf8JsonWriter(_stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
            if (csvHeader)
            {
                _stream.Write(Header);
            }
        }

        public string Path { get; }

        public void Write(BehaviourEvent e, SyntheticLayout layout, bool csv)
        {
            if (layout == SyntheticLayout.Taobao)
            {
                WriteText($"{e.UserId},{e.ProductId ?? "0"},{e.CategoryId},{TaobaoType(e.Type)},{e.Timestamp.ToUnixTimeSeconds()}\n");
                return;
            }

            if (csv)
            {
                WriteText(string.Join(',',
                    e.EventId, e.UserId, e.Type.ToWireName(), e.Timestamp.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), e.ProductId, e.CategoryId,
                    e.Price?.ToString(CultureInfo.InvariantCulture), e.Quantity?.ToString(CultureInfo.InvariantCulture), Quote(e.Query), e.Rating?.ToString(CultureInfo.InvariantCulture), Quote(e.Text), e.SessionId) + "\n");
                return;
            }

            _json.WriteStartObject();
            _json.WriteString("eventId"u8, e.EventId);
            _json.WriteString("userId"u8, e.UserId);
            _json.WriteString("type"u8, e.Type.ToWireName());
            _json.WriteString("timestamp"u8, e.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            if (e.ProductId is not null)
            {
                _json.WriteString("productId"u8, e.ProductId);
            }

            if (e.CategoryId is not null)
            {
                _json.WriteString("categoryId"u8, e.CategoryId);
            }

            if (e.Price is { } price)
            {
                _json.WriteNumber("price"u8, price);
            }

            if (e.Quantity is { } quantity)
            {
                _json.WriteNumber("quantity"u8, quantity);
            }

            if (e.Query is not null)
            {
                _json.WriteString("query"u8, e.Query);
            }

            if (e.Rating is { } rating)
            {
                _json.WriteNumber("rating"u8, rating);
            }

            if (e.Text is not null)
            {
                _json.WriteString("text"u8, e.Text);
            }

            if (e.SessionId is not null)
            {
                _json.WriteString("sessionId"u8, e.SessionId);
            }

            _json.WriteEndObject();
            _json.Flush();
            _json.Reset();
            _stream.WriteByte((byte)'\n');
        }

        private void WriteText(string line) => _stream.Write(Encoding.UTF8.GetBytes(line));

        private static string? Quote(string? value) =>
            value is null ? null : value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

        public void Dispose()
        {
            _json.Dispose();
            _stream.Dispose();
        }
    }
}
