using System.Globalization;
using System.Text;
using System.Text.Json;
using Demand.Core.Events;
using Demand.Core.Identifiers;

namespace Demand.Core.Ingestion;

/// <summary>An accepted row as <c>mappings check</c> shows it.</summary>
public sealed record CheckedEvent(
    long Line, string Type, string UserId, DateTimeOffset Timestamp, string? ProductId, string? CategoryId, decimal? Price, int? Quantity, int? Rating, string? Query, string? Text, string? EventId);

/// <summary>A rejected row as <c>mappings check</c> shows it: line, detail and the raw line (cut at 100 characters).</summary>
public sealed record RejectExample(long Line, string? Detail, string? Raw);

public sealed record RejectGroup(string Reason, long Count, IReadOnlyList<RejectExample> Examples);

/// <summary>How a sample parsed under a mapping: what <c>demand mappings check</c> prints and <c>PUT …/mapping</c> answers.</summary>
public sealed record MappingCheckResult(
    string Mapping, string Format, bool Compressed, string Status, string? Error, long LinesRead, long Accepted, long Rejected, long Duplicates, int Users,
    IReadOnlyDictionary<string, long> AcceptedByType, IReadOnlyList<CheckedEvent> FirstEvents, IReadOnlyList<RejectGroup> Rejects)
{
    /// <summary>The sample was readable and at least one row was accepted.</summary>
    public bool Ok => Status == IngestionReport.Ingested && Accepted > 0;
}

/// <summary>Runs a log sample through a mapping exactly as ingestion would, keeping the first events and a few examples per reject reason.</summary>
public static class MappingCheck
{
    public static MappingCheckResult Run(LogMapping mapping, Stream sample, long length, int rows, ValidationLimits? limits = null, DateTimeOffset? now = null)
    {
        var events = new List<CheckedEvent>();
        var ingestor = new LogIngestor(mapping, limits, now)
        {
            OnAccepted = (line, e) =>
            {
                if (events.Count < rows)
                {
                    events.Add(new CheckedEvent(line, e.Type.ToWireName(), e.UserId, e.Timestamp, e.ProductId, e.CategoryId, e.Price, e.Quantity, e.Rating, e.Query, e.Text, e.EventId));
                }
            },
        };
        var outcome = ingestor.Ingest(MerchantId.Parse("check"), "check", "sample", sample, length);
        var report = outcome.Report;
        var examples = Examples(outcome.Quarantine, Math.Min(rows, 3));
        var rejects = report.RejectsByReason.OrderByDescending(kv => kv.Value)
            .Select(kv => new RejectGroup(kv.Key, kv.Value, examples.GetValueOrDefault(kv.Key) ?? []))
            .ToList();
        return new MappingCheckResult(
            mapping.Name, report.Format, report.Compressed, report.Status, report.Error, report.LinesRead, report.Accepted, report.Rejected, report.Duplicates, report.UsersTouched,
            report.CountsByType.OrderByDescending(kv => kv.Value).ToDictionary(kv => kv.Key, kv => kv.Value), events, rejects);
    }

    private static Dictionary<string, List<RejectExample>> Examples(ReadOnlyMemory<byte> quarantine, int perReason)
    {
        var examples = new Dictionary<string, List<RejectExample>>(StringComparer.Ordinal);
        foreach (var line in Encoding.UTF8.GetString(quarantine.Span).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var reason = root.GetProperty("reason").GetString()!;
            var list = examples.TryGetValue(reason, out var l) ? l : examples[reason] = [];
            if (list.Count >= perReason)
            {
                continue;
            }

            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
            var raw = root.TryGetProperty("raw", out var r) ? r.GetString()! : root.TryGetProperty("rawBase64", out _) ? "(not UTF-8)" : null;
            list.Add(new RejectExample(root.GetProperty("line").GetInt64(), detail, raw is { Length: > 100 } ? raw[..100] + "…" : raw));
        }

        return examples;
    }

    /// <summary>One line per accepted event, as the CLI prints it.</summary>
    public static string Describe(CheckedEvent e)
    {
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"  line {e.Line,-6} {e.Type,-11} user={e.UserId} at={e.Timestamp.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}"));
        Append(text, "product", e.ProductId);
        Append(text, "category", e.CategoryId);
        Append(text, "price", e.Price?.ToString(CultureInfo.InvariantCulture));
        Append(text, "qty", e.Quantity?.ToString(CultureInfo.InvariantCulture));
        Append(text, "rating", e.Rating?.ToString(CultureInfo.InvariantCulture));
        Append(text, "query", e.Query);
        Append(text, "text", e.Text is { Length: > 40 } t ? t[..40] + "…" : e.Text);
        Append(text, "id", e.EventId);
        return text.ToString();
    }

    private static void Append(StringBuilder text, string name, string? value)
    {
        if (value is not null)
        {
            text.Append(' ').Append(name).Append('=').Append(value);
        }
    }
}
