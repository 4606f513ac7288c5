using System.Text;
using Demand.Core.Events;
using Demand.Core.Ingestion;

namespace Demand.Core.Tests.Ingestion;

public sealed class LogPartParserTests
{
    private const string Product = ",\"productId\":\"p1\",\"categoryId\":\"c1\"";

    [Fact]
    public void Json_lines_with_a_bom_and_crlf_endings_are_all_accepted()
    {
        var text = "\uFEFF" + ParserHarness.Line("view", extra: Product) + "\r\n" + ParserHarness.Line("purchase", user: "u2", extra: Product + ",\"price\":9.5,\"quantity\":2") + "\r\n";

        var run = ParserHarness.Run(text);

        run.Counts.Format.ShouldBe(LogFormat.Jsonl);
        run.Counts.Accepted.ShouldBe(2);
        run.Accepted[1].Event.Price.ShouldBe(9.5m);
        run.Accepted.Select(a => a.Event.UserId).ShouldBe(["u1", "u2"]);
    }

    [Fact]
    public void Csv_quoted_fields_keep_embedded_delimiters_doubled_quotes_and_line_breaks()
    {
        var text = "eventId,userId,type,timestamp,productId,categoryId,rating,text\r\n"
            + "e1,u1,review,2026-11-20T10:00:00Z,p1,c1,2,\"Too small, \"\"really\"\"\nsecond line\"\r\n"
            + "e2,u2,view,2026-11-20T11:00:00Z,p2,c2,,\r\n";

        var run = ParserHarness.Run(text);

        run.Counts.Format.ShouldBe(LogFormat.Csv);
        run.Counts.HeaderLines.ShouldBe(1);
        run.Counts.Accepted.ShouldBe(2);
        run.Accepted[0].Event.Text.ShouldBe("Too small, \"really\"\nsecond line");
        run.Accepted[1].Line.ShouldBe(4, "the quoted line break makes the second record start on physical line 4");
        run.Parser.Reviews.Single().ReviewId.ShouldBe("e1");
    }

    [Fact]
    public void Csv_header_columns_may_come_in_any_order_with_another_delimiter()
    {
        var mapping = new LogMapping { Delimiter = ";" };
        var text = "timestamp;categoryId;type;userId;productId\n2026-11-20T10:00:00Z;c9;cart_add;u7;p3\n";

        var run = ParserHarness.Run(text, mapping);

        var e = run.Accepted.Single().Event;
        (e.UserId, e.Type, e.CategoryId, e.ProductId).ShouldBe(("u7", EventType.CartAdd, "c9", "p3"));
    }

    [Fact]
    public void Csv_with_an_unclosed_quote_in_the_middle_of_a_field_is_rejected_as_malformed()
    {
        var text = "userId,type,timestamp,productId\nu1,view,2026-11-20T10:00:00Z,\"p1\"x\nu2,view,2026-11-20T10:00:00Z,p2\n";

        var run = ParserHarness.Run(text);

        run.RejectReasonsInOrder.ShouldBe([RejectReasons.MalformedCsv]);
        run.Counts.Accepted.ShouldBe(1);
    }

    [Fact]
    public void Gzip_is_recognised_by_its_magic_bytes()
    {
        var run = ParserHarness.Run(ParserHarness.Gzip(ParserHarness.Line("view") + "\n" + ParserHarness.Line("view", user: "u2") + "\n"));

        run.Counts.Gzip.ShouldBeTrue();
        run.Counts.Accepted.ShouldBe(2);
    }

    [Fact]
    public void A_corrupt_gzip_part_is_unreadable()
    {
        var gzip = ParserHarness.Gzip(string.Concat(Enumerable.Repeat(ParserHarness.Line("view") + "\n", 200)));
        for (var i = 20; i < gzip.Length - 8; i++)
        {
            gzip[i] ^= 0x5A;
        }

        var ex = Should.Throw<UnreadableLogException>(() => ParserHarness.Run(gzip));

        ex.Reason.ShouldBe(UnreadableLogException.CorruptGzip);
    }

    [Fact]
    public void Binary_junk_is_unreadable()
    {
        var junk = new byte[5000];
        new Random(7).NextBytes(junk);
        junk[100] = 0;

        Should.Throw<UnreadableLogException>(() => ParserHarness.Run(junk)).Reason.ShouldBe(UnreadableLogException.BinaryContent);
    }

    [Fact]
    public void Invalid_utf8_is_rejected_and_quarantined_as_base64()
    {
        var bytes = Encoding.UTF8.GetBytes(ParserHarness.Line("view") + "\n").Concat(new byte[] { (byte)'{', 0xC3, 0x28, (byte)'}', (byte)'\n' }).ToArray();

        var run = ParserHarness.Run(bytes);

        run.RejectReasonsInOrder.ShouldBe([RejectReasons.InvalidUtf8]);
        run.Rejects[0].GetProperty("line").GetInt64().ShouldBe(2);
        Convert.FromBase64String(run.Rejects[0].GetProperty("rawBase64").GetString()!).ShouldBe(new byte[] { (byte)'{', 0xC3, 0x28, (byte)'}' });
    }

    [Fact]
    public void A_truncated_last_line_is_rejected_as_truncated()
    {
        var run = ParserHarness.Run(ParserHarness.Line("view") + "\n{\"userId\":\"u2\",\"type\":\"vi");

        run.RejectReasonsInOrder.ShouldBe([RejectReasons.TruncatedLine]);
        run.Counts.Accepted.ShouldBe(1);
    }

    [Fact]
    public void A_complete_last_line_without_a_newline_is_accepted()
    {
        ParserHarness.Run(ParserHarness.Line("view")).Counts.Accepted.ShouldBe(1);
    }

    [Fact]
    public void A_200_KB_line_is_rejected_as_too_long_and_kept_verbatim()
    {
        var huge = ParserHarness.Line("review", extra: ",\"productId\":\"p1\",\"text\":\"" + new string('x', 200 * 1024) + "\"");

        var run = ParserHarness.Run(huge + "\n" + ParserHarness.Line("view") + "\n");

        run.RejectReasonsInOrder.ShouldBe([RejectReasons.LineTooLong]);
        run.Rejects[0].GetProperty("raw").GetString().ShouldBe(huge);
        run.Counts.Accepted.ShouldBe(1);
    }

    [Fact]
    public void A_line_longer_than_the_read_buffer_is_clipped_and_the_rest_of_the_part_still_reads()
    {
        var endless = "{\"text\":\"" + new string('y', LogRecordReader.MaxBufferedBytes + 1000) + "\"}";

        var run = ParserHarness.Run(endless + "\n" + ParserHarness.Line("view") + "\n");

        run.RejectReasonsInOrder.ShouldBe([RejectReasons.LineTooLong]);
        run.Rejects[0].GetProperty("rawClipped").GetBoolean().ShouldBeTrue();
        run.Accepted.Single().Line.ShouldBe(2);
    }

    [Theory]
    [InlineData("{\"userId\":\"u1\",\"type\":\"teleport\",\"timestamp\":\"2026-11-20T10:00:00Z\"}", RejectReasons.UnknownType)]
    [InlineData("{\"userId\":\"u1\",\"type\":\"view\",\"timestamp\":\"2026-12-20T10:00:00Z\"}", RejectReasons.FutureTimestamp)]
    [InlineData("{\"userId\":\"u1\",\"type\":\"view\",\"timestamp\":\"1970-01-02T00:00:00Z\"}", RejectReasons.TimestampTooOld)]
    [InlineData("{\"userId\":\"u1\",\"type\":\"view\",\"timestamp\":\"yesterday\"}", RejectReasons.InvalidTimestamp)]
    [InlineData("{\"userId\":\"u1\",\"type\":\"view\"}", RejectReasons.MissingTimestamp)]
    [InlineData("{\"type\":\"view\",\"timestamp\":\"2026-11-20T10:00:00Z\"}", RejectReasons.MissingUserId)]
    [InlineData("{\"userId\":\"u1\",\"timestamp\":\"2026-11-20T10:00:00Z\"}", RejectReasons.MissingType)]
    [InlineData("{\"userId\":\"u1\",\"type\":\"purchase\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"categoryId\":\"c1\"}", RejectReasons.MissingProductId)]
    [InlineData("{\"userId\":\"u1\",\"type\":\"cart_add\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"productId\":\"p1\"}", RejectReasons.MissingCategoryId)]
    [InlineData("{\"userId\":\"u1\",\"type\":\"review\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"productId\":\"p1\"}", RejectReasons.MissingText)]
    [InlineData("{\"userId\":\"u1\",\"type\":\"review\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"productId\":\"p1\",\"text\":\"ok\",\"rating\":6}", RejectReasons.InvalidRating)]
    [InlineData("{\"userId\":\"u1\",\"type\":\"purchase\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"productId\":\"p1\",\"categoryId\":\"c\",\"price\":-1}", RejectReasons.InvalidPrice)]
    [InlineData("{\"userId\":\"u1\",\"type\":\"purchase\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"productId\":\"p1\",\"categoryId\":\"c\",\"quantity\":0}", RejectReasons.InvalidQuantity)]
    [InlineData("{\"userId\":\"u1\",\"type\":\"search\",\"timestamp\":\"2026-11-20T10:00:00Z\"}", RejectReasons.MissingQuery)]
    [InlineData("{\"userId\":\"u1\",\"type\":\"view\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"productId\":{\"x\":1}}", RejectReasons.MalformedField)]
    [InlineData("{\"userId\":\"u1\",\"type\":\"view\",\"timestamp\":\"2026-11-20T10:00:00Z\"} trailing", RejectReasons.MalformedJson)]
    [InlineData("[1,2,3]", RejectReasons.MalformedJson)]
    public void An_invalid_event_is_rejected_with_its_exact_reason(string line, string reason)
    {
        var run = ParserHarness.Run(line + "\n");

        run.RejectReasonsInOrder.ShouldBe([reason]);
        run.Rejects[0].GetProperty("raw").GetString().ShouldBe(line);
    }

    [Fact]
    public void An_overlong_user_id_is_rejected()
    {
        ParserHarness.Run(ParserHarness.Line("view", user: new string('u', 129)) + "\n").RejectReasonsInOrder.ShouldBe([RejectReasons.IdTooLong]);
    }

    [Fact]
    public void Duplicate_event_ids_and_identical_lines_without_ids_count_once()
    {
        var text = string.Join('\n',
            ParserHarness.Line("view", id: "e1"),
            ParserHarness.Line("view", id: "e1", user: "u9"),
            ParserHarness.Line("view"),
            ParserHarness.Line("view"),
            ParserHarness.Line("view", user: "u2")) + "\n";

        var run = ParserHarness.Run(text);

        (run.Counts.Accepted, run.Counts.Duplicates, run.Counts.LinesRead).ShouldBe((3L, 2L, 5L));
        run.Parser.Aggregator.Partials.Sum(p => p.EventCount).ShouldBe(3);
    }

    [Fact]
    public void Blank_lines_are_neither_data_nor_rejects()
    {
        var run = ParserHarness.Run("\n" + ParserHarness.Line("view") + "\n\n   \n");

        (run.Counts.BlankLines, run.Counts.LinesRead, run.Counts.Accepted).ShouldBe((3L, 1L, 1L));
    }

    [Fact]
    public void Every_line_of_a_mixed_part_is_accounted_for_once()
    {
        var lines = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            lines.Add((i % 7) switch
            {
                0 => ParserHarness.Line("bogus", id: "x" + i),
                1 => "{not json",
                2 => ParserHarness.Line("view", id: "dup"),
                _ => ParserHarness.Line("view", id: "e" + i, user: "u" + (i % 13)),
            });
        }

        var run = ParserHarness.Run(string.Join("\r\n", lines) + "\r\n");

        run.Counts.LinesRead.ShouldBe(300);
        run.Counts.Duplicates.ShouldBe(lines.Count(l => l.Contains("\"dup\"", StringComparison.Ordinal)) - 1);
        run.Counts.RejectsByReason[RejectReasons.UnknownType].ShouldBe(lines.Count(l => l.Contains("bogus", StringComparison.Ordinal)));
        run.Counts.RejectsByReason[RejectReasons.MalformedJson].ShouldBe(lines.Count(l => l == "{not json"));
    }

    [Fact]
    public void A_taobao_file_ingests_through_the_preset_alone()
    {
        var text = "1,2268318,2520377,pv,1511544070\n1,2333346,2520771,buy,1511561733\n1,2576651,149192,cart,1511572885\n2,3745169,2891509,fav,1511725471\n3,1,2,click,1511725471\n";

        var run = ParserHarness.Run(text, new LogMapping { Preset = LogMapping.TaobaoPreset });

        run.Accepted.Select(a => a.Event.Type).ShouldBe([EventType.View, EventType.Purchase, EventType.CartAdd, EventType.Wishlist]);
        run.Accepted[0].Event.Timestamp.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(1511544070));
        run.Accepted[1].Event.ProductId.ShouldBe("2333346");
        run.RejectReasonsInOrder.ShouldBe([RejectReasons.UnknownType]);
    }

    [Fact]
    public void Numeric_type_codes_and_an_hourly_local_time_pattern_ingest_through_a_mapping_file()
    {
        var mapping = LogMapping.Parse("""
            { "format": "csv", "delimiter": "|", "header": false,
              "columns": { "userId": 2, "type": 0, "timestamp": 1, "productId": 3, "categoryId": 4 },
              "types": { "1": "view", "2": "cart_add", "3": "purchase" },
              "timestampFormat": "yyyy-MM-dd HH", "timeZone": "+08:00" }
            """u8);
        var text = "1|2026-11-20 09|shopper-1|p1|c1\n3|2026-11-20 23|shopper-1|p1|c1\n9|2026-11-20 23|shopper-1|p1|c1\n";

        var run = ParserHarness.Run(text, mapping);

        run.Accepted.Select(a => (a.Event.Type, a.Event.Timestamp)).ShouldBe([
            (EventType.View, new DateTimeOffset(2026, 11, 20, 1, 0, 0, TimeSpan.Zero)),
            (EventType.Purchase, new DateTimeOffset(2026, 11, 20, 15, 0, 0, TimeSpan.Zero)),
        ]);
        run.RejectReasonsInOrder.ShouldBe([RejectReasons.UnknownType]);
    }

    [Fact]
    public void Unix_millisecond_timestamps_and_renamed_json_properties_map()
    {
        var mapping = LogMapping.Parse("""{ "columns": { "userId": "uid", "type": "evt", "timestamp": "ts" }, "timestampFormat": "unix-ms" }"""u8);

        var run = ParserHarness.Run("{\"uid\":\"a\",\"evt\":\"view\",\"ts\":1763632800123}\n", mapping);

        run.Accepted.Single().Event.Timestamp.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(1763632800));
    }

    [Fact]
    public void A_csv_header_without_a_required_column_makes_the_part_unreadable()
    {
        Should.Throw<UnreadableLogException>(() => ParserHarness.Run("userId,timestamp\nu1,2026-11-20T10:00:00Z\n"))
            .Reason.ShouldBe(UnreadableLogException.MissingColumns);
    }

    [Theory]
    [InlineData("""{ "columns": { "shoeSize": 1 } }""", "Unknown field")]
    [InlineData("""{ "types": { "pv": "gaze" } }""", "not one of")]
    [InlineData("""{ "timeZone": "Mars/Olympus" }""", "Unknown time zone")]
    [InlineData("""{ "delimiter": ";;" }""", "delimiter")]
    [InlineData("""{ "preset": "nope" }""", "Unknown preset")]
    [InlineData("""{ "format": "csv", "header": false }""", "positions")]
    public void A_broken_mapping_says_what_to_fix(string json, string message)
    {
        Should.Throw<MappingException>(() => LogMapping.Parse(Encoding.UTF8.GetBytes(json)).Compile()).Message.ShouldContain(message);
    }
}
