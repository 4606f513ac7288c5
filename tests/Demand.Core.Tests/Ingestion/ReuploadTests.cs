using System.IO.Compression;
using System.Text;
using Demand.Core.Identifiers;
using Demand.Core.Ingestion;

namespace Demand.Core.Tests.Ingestion;

/// <summary>Content fingerprints: a renamed copy of a merged part is a duplicate, an appended copy is read only past what was merged.</summary>
public sealed class ReuploadTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static string Lines(int from, int count) => string.Concat(Enumerable.Range(from, count).Select(i =>
        $$"""{"userId":"u{{i % 7}}","type":"view","timestamp":"2026-11-20T10:{{i % 60:00}}:00Z","categoryId":"c{{i % 3}}"}""" + "\n"));

    private static IngestionOutcome Ingest(byte[] content, IReadOnlyList<MergedContent>? known = null, long skip = 0) =>
        new LogIngestor(LogMapping.Default, now: Now) { Known = known ?? [], SkipRecords = skip, SkipOf = skip > 0 ? "first" : null }
            .Ingest(MerchantId.Parse("m1"), "", "x.jsonl", content);

    private static MergedContent Merged(IngestionOutcome outcome, string partId)
    {
        var f = outcome.Fingerprint.ShouldNotBeNull();
        return new MergedContent { MerchantId = "m1", PartId = partId, BlobName = partId + ".jsonl", Records = f.Records, Hash = f.Hash, Head = f.Head };
    }

    [Fact]
    public void A_renamed_or_recompressed_copy_of_a_merged_part_is_a_duplicate_that_merges_nothing()
    {
        var content = Encoding.UTF8.GetBytes(Lines(0, 50));
        var first = Merged(Ingest(content), "first");
        using var gz = new MemoryStream();
        using (var zip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(Encoding.UTF8.GetBytes(Lines(0, 50).Replace("\n", "\r\n", StringComparison.Ordinal)));
        }

        foreach (var copy in new[] { content, gz.ToArray() })
        {
            var outcome = Ingest(copy, [first]);

            outcome.Report.Status.ShouldBe(IngestionReport.Duplicate);
            outcome.Report.DuplicateOf.ShouldBe("first");
            outcome.Report.Note!.ShouldContain("duplicate of part first");
            outcome.Users.ShouldBeEmpty();
            outcome.Report.AccountingHolds.ShouldBeTrue();
        }
    }

    [Fact]
    public void An_appended_copy_merges_only_the_lines_after_the_merged_part()
    {
        var first = Merged(Ingest(Encoding.UTF8.GetBytes(Lines(0, 50))), "first");

        var outcome = Ingest(Encoding.UTF8.GetBytes(Lines(0, 50) + Lines(50, 20)), [first]);

        outcome.Report.Status.ShouldBe(IngestionReport.Ingested);
        outcome.Report.AlreadyMerged.ShouldBe(50);
        outcome.Report.Accepted.ShouldBe(20);
        outcome.Report.DuplicateOf.ShouldBe("first");
        outcome.Report.Note!.ShouldContain("first 50 lines were already merged");
        outcome.Users.Values.Sum(u => u.EventCount).ShouldBe(20);
        outcome.Report.AccountingHolds.ShouldBeTrue();
    }

    [Fact]
    public void A_part_that_starts_like_a_merged_one_but_differs_asks_to_be_read_again_and_then_merges_every_line()
    {
        var first = Merged(Ingest(Encoding.UTF8.GetBytes(Lines(0, 50))), "first");
        var changed = Encoding.UTF8.GetBytes(Lines(0, 30) + Lines(100, 40));

        var guess = Ingest(changed, [first]);
        guess.RestartSkipping.ShouldBe(0);

        var again = Ingest(changed, skip: guess.RestartSkipping!.Value);
        again.Report.Accepted.ShouldBe(70);
        again.Report.AlreadyMerged.ShouldBe(0);
    }

    [Fact]
    public void A_copy_appended_twice_skips_the_longest_merged_prefix_and_a_wrong_longer_guess_restarts_from_the_verified_one()
    {
        var v1 = Merged(Ingest(Encoding.UTF8.GetBytes(Lines(0, 50))), "v1");
        var v2 = Merged(Ingest(Encoding.UTF8.GetBytes(Lines(0, 80))), "v2");

        var v3 = Ingest(Encoding.UTF8.GetBytes(Lines(0, 80) + Lines(80, 10)), [v1, v2]);
        v3.Report.AlreadyMerged.ShouldBe(80);
        v3.Report.Accepted.ShouldBe(10);

        var fork = Encoding.UTF8.GetBytes(Lines(0, 50) + Lines(500, 40));
        var guess = Ingest(fork, [v1, v2]);
        guess.RestartSkipping.ShouldBe(50);
        guess.RestartSkippingOf.ShouldBe("v1");
        var again = Ingest(fork, skip: 50);
        again.Report.AlreadyMerged.ShouldBe(50);
        again.Report.Accepted.ShouldBe(40);
        again.Report.AccountingHolds.ShouldBeTrue();
    }
}
