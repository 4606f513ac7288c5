using Demand.Core.Identifiers;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Demand.Core.Events;
using Demand.Core.Ingestion;

namespace Demand.Cli.Commands;

/// <summary>
/// <c>demand mappings check &lt;file&gt; --mapping m.json</c>: runs a log file through a mapping exactly as
/// ingestion would and shows the first rows as parsed events and the reject reasons with examples, so a
/// merchant can fix a mapping in a few tries.
/// </summary>
internal static class MappingsCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "A log part: JSON Lines or CSV, optionally gzip." };
        var mapping = new Option<FileInfo?>("--mapping") { Description = "Mapping file (JSON, docs/log-format.md). Default: the default layout." };
        var preset = new Option<string?>("--preset") { Description = $"Use a preset instead of a file: {LogMapping.DefaultName}, {LogMapping.TaobaoName}." };
        var rows = new Option<int>("--rows") { Description = "Parsed events and reject examples to show.", DefaultValueFactory = _ => 10 };
        var maxAge = new Option<int?>("--max-age-days") { Description = "Accept events this old (historical data sets); default: the ingestion limit." };
        var check = new Command("check", "Show how a log file parses under a mapping: first events, reject reasons, accounting.") { file, mapping, preset, rows, maxAge };
        check.SetAction(parse => Check(parse.GetValue(file)!, parse.GetValue(mapping), parse.GetValue(preset), parse.GetValue(rows), parse.GetValue(maxAge), Console.Out));
        return new Command("mappings", "Merchant log mappings.") { check };
    }

    /// <summary>0: some events accepted; 1: none accepted; 2: the mapping is broken; 3: the file is unreadable.</summary>
    internal static int Check(FileInfo file, FileInfo? mappingFile, string? preset, int rows, int? maxAgeDays, TextWriter output)
    {
        LogIngestor ingestor;
        var shown = 0;
        LogMapping mapping;
        try
        {
            mapping = mappingFile is not null
                ? LogMapping.Parse(File.ReadAllText(mappingFile.FullName))
                : preset is not null
                    ? LogMapping.Preset(preset) ?? throw new InvalidDataException($"Unknown preset '{preset}' (known: {LogMapping.DefaultName}, {LogMapping.TaobaoName}).")
                    : LogMapping.Default;
            var limits = maxAgeDays is { } days ? new ValidationLimits { MaxAge = TimeSpan.FromDays(days) } : ValidationLimits.Default;
            ingestor = new LogIngestor(mapping, limits)
            {
                OnAccepted = (line, e) =>
                {
                    if (shown++ < rows)
                    {
                        output.WriteLine(Describe(line, e));
                    }
                },
            };
        }
        catch (InvalidDataException ex)
        {
            output.WriteLine("mapping error: " + ex.Message);
            return 2;
        }

        output.WriteLine($"mapping {mapping.Name}: format {mapping.Format.ToString().ToLowerInvariant()}, delimiter '{mapping.Delimiter}', header {mapping.Header.ToString().ToLowerInvariant()}, timestamps {mapping.Timestamp.Format} ({mapping.Timestamp.TimeZone})");
        output.WriteLine("first accepted events:");
        using var stream = file.OpenRead();
        var outcome = ingestor.Ingest(MerchantId.Parse("check"), "check", file.Name, stream, stream.Length);
        var report = outcome.Report;
        if (report.Status != "ingested")
        {
            output.WriteLine($"unreadable: {report.Error}");
            return 3;
        }

        output.WriteLine($"{report.Format}{(report.Compressed ? " (gzip)" : "")}: {report.LinesRead:N0} lines read = {report.Accepted:N0} accepted + {report.Rejected:N0} rejected + {report.Duplicates:N0} duplicates; {report.UsersTouched:N0} users");
        output.WriteLine("accepted by type: " + string.Join(", ", report.CountsByType.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value:N0}")));
        if (report.Rejected > 0)
        {
            output.WriteLine("rejects by reason:");
            var examples = Examples(outcome.Quarantine, rows);
            foreach (var (reason, count) in report.RejectsByReason.OrderByDescending(kv => kv.Value))
            {
                output.WriteLine($"  {reason,-20} {count,10:N0}");
                foreach (var example in examples.Where(e => e.Reason == reason))
                {
                    output.WriteLine($"      line {example.Line}: {example.Detail}{example.Raw}");
                }
            }
        }

        return report.Accepted > 0 ? 0 : 1;
    }

    private static string Describe(long line, BehaviourEvent e)
    {
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"  line {line,-6} {e.Type.ToWireName(),-11} user={e.UserId} at={e.Timestamp.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}"));
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

    private static List<(string Reason, long Line, string Detail, string Raw)> Examples(ReadOnlyMemory<byte> quarantine, int perReason)
    {
        var examples = new List<(string, long, string, string)>();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in Encoding.UTF8.GetString(quarantine.Span).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var reason = root.GetProperty("reason").GetString()!;
            if ((counts[reason] = counts.GetValueOrDefault(reason) + 1) > Math.Min(perReason, 3))
            {
                continue;
            }

            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() + " | " : "";
            var raw = root.TryGetProperty("raw", out var r) ? r.GetString()! : root.TryGetProperty("rawBase64", out _) ? "(not UTF-8)" : "";
            examples.Add((reason, root.GetProperty("line").GetInt64(), detail, raw.Length > 100 ? raw[..100] + "…" : raw));
        }

        return examples;
    }
}
