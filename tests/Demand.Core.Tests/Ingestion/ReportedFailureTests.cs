using System.Text;
using Demand.Core.Identifiers;
using Demand.Core.Ingestion;

namespace Demand.Core.Tests.Ingestion;

/// <summary>Parts that cannot be read say why in words a merchant can act on; their first row is never silently lost.</summary>
public sealed class ReportedFailureTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static IngestionOutcome Ingest(string text, LogMapping? mapping = null) =>
        new LogIngestor(mapping ?? LogMapping.Default, now: Now).Ingest(MerchantId.Parse("m1"), "p", "x.csv", Encoding.UTF8.GetBytes(text));

    [Fact]
    public void A_csv_whose_header_lacks_a_required_column_is_unreadable_naming_the_column_not_corrupt_compressed_data()
    {
        var outcome = Ingest("eventId,userId,type,productId\ne1,u1,view,p1\n");

        outcome.Report.Status.ShouldBe(IngestionReport.Unreadable);
        outcome.Report.Error!.ShouldContain("no timestamp column");
        outcome.Report.Error!.ShouldNotContain("compressed");
        outcome.Users.ShouldBeEmpty();
    }

    [Fact]
    public void A_mapped_column_missing_from_the_header_is_named_in_the_report()
    {
        var mapping = LogMapping.Parse("""{ "format": "csv", "columns": { "userId": "customer" } }""");

        var outcome = Ingest("client,type,timestamp\nc1,view,2026-11-20T10:00:00Z\n", mapping);

        outcome.Report.Status.ShouldBe(IngestionReport.Unreadable);
        outcome.Report.Error!.ShouldContain("'customer'");
        outcome.Report.Error!.ShouldNotContain("compressed");
    }

    [Fact]
    public void A_header_less_csv_under_the_default_layout_is_refused_with_the_fix_instead_of_losing_its_first_row()
    {
        var outcome = Ingest("e1,u1,view,2026-11-20T10:00:00Z,p1,c1\ne2,u1,view,2026-11-20T11:00:00Z,p1,c1\n");

        outcome.Report.Status.ShouldBe(IngestionReport.Unreadable);
        outcome.Report.Error!.ShouldContain("\"header\": false");
        outcome.Report.Error!.ShouldContain("e1,u1,view");
        outcome.Report.Accepted.ShouldBe(0);
    }
}
