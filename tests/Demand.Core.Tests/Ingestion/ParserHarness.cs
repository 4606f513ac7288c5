using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Demand.Core.Events;
using Demand.Core.Ingestion;

namespace Demand.Core.Tests.Ingestion;

/// <summary>Runs the parser over in-memory bytes and exposes counts, quarantine lines and accepted events.</summary>
internal sealed class ParserHarness
{
    public static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private ParserHarness(LogPartParser parser, List<JsonElement> rejects, List<(long Line, BehaviourEvent Event)> accepted)
    {
        Parser = parser;
        Rejects = rejects;
        Accepted = accepted;
    }

    public LogPartParser Parser { get; }

    public PartCounts Counts => Parser.Counts;

    public List<JsonElement> Rejects { get; }

    public List<(long Line, BehaviourEvent Event)> Accepted { get; }

    public IEnumerable<string> RejectReasonsInOrder => Rejects.Select(r => r.GetProperty("reason").GetString()!);

    public static ParserHarness Run(string text, LogMapping? mapping = null) => Run(Encoding.UTF8.GetBytes(text), mapping);

    public static ParserHarness Run(byte[] bytes, LogMapping? mapping = null)
    {
        var accepted = new List<(long, BehaviourEvent)>();
        using var quarantine = new MemoryStream();
        var writer = new QuarantineWriter(quarantine);
        var parser = new LogPartParser((mapping ?? LogMapping.Default).Compile(), "m1", Now, writer)
        {
            OnAccepted = (line, e) => accepted.Add((line, e)),
        };
        parser.Parse(new MemoryStream(bytes, writable: false));
        writer.Dispose();
        var rejects = Encoding.UTF8.GetString(quarantine.ToArray())
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToList();
        var counts = parser.Counts;
        (counts.Accepted + counts.Rejected + counts.Duplicates).ShouldBe(counts.LinesRead, "accepted + rejected + duplicates = lines read");
        rejects.Count.ShouldBe((int)counts.Rejected);
        return new ParserHarness(parser, rejects, accepted);
    }

    public static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return output.ToArray();
    }

    public static string Line(string type, string user = "u1", string? id = null, string timestamp = "2026-11-20T10:00:00Z", string extra = "") =>
        "{" + (id is null ? "" : $"\"eventId\":\"{id}\",") + $"\"userId\":\"{user}\",\"type\":\"{type}\",\"timestamp\":\"{timestamp}\"{extra}}}";
}
