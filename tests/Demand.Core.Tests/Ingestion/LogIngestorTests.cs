using Demand.Core.Identifiers;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Demand.Core.Events;
using Demand.Core.Ingestion;

namespace Demand.Core.Tests.Ingestion;

public sealed class LogIngestorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static IngestionOutcome Ingest(string text, LogMapping? mapping = null, Func<string, bool>? erased = null) =>
        Ingest(Encoding.UTF8.GetBytes(text), mapping, erased);

    private static IngestionOutcome Ingest(byte[] bytes, LogMapping? mapping = null, Func<string, bool>? erased = null) =>
        new LogIngestor(mapping ?? LogMapping.Default, now: Now).Ingest(MerchantId.Parse("m1"), "part1", "p.jsonl", bytes, erased is null ? null : u => erased(u.Value));

    private static List<JsonElement> Quarantine(IngestionOutcome outcome) =>
        Encoding.UTF8.GetString(outcome.Quarantine.Span).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    private static void AssertAccounting(IngestionOutcome outcome)
    {
        var r = outcome.Report;
        (r.Accepted + r.Rejected + r.Duplicates).ShouldBe(r.LinesRead);
        Quarantine(outcome).Count.ShouldBe((int)r.Rejected);
    }

    private const string View = """{"eventId":"e1","userId":"u1","type":"view","timestamp":"2026-11-20T10:00:00Z","productId":"p1","categoryId":"c1"}""";

    [Fact]
    public void Json_lines_with_bom_and_crlf_are_accepted_and_aggregated_per_user()
    {
        var text = "\uFEFF" + View + "\r\n" +
            """{"eventId":"e2","userId":"u1","type":"purchase","timestamp":"2026-11-20T11:00:00+01:00","productId":"p1","categoryId":"c1","price":12.5,"quantity":2}""" + "\r\n" +
            """{"eventId":"e3","userId":"u2","type":"search","timestamp":"2026-11-21T09:00:00Z","query":"diapers size 4"}""" + "\r\n";

        var outcome = Ingest(text);

        outcome.Report.Accepted.ShouldBe(3);
        outcome.Report.Format.ShouldBe("jsonl");
        outcome.Users.Keys.Order().ShouldBe(["u1", "u2"]);
        outcome.Users["u1"].Categories["c1"].Counts[(int)EventType.Purchase].ShouldBe(1);
        outcome.Users["u1"].Categories["c1"].Spend.ShouldBe(25.0);
        outcome.Users["u2"].Searches.ShouldBe(["diapers size 4"]);
        outcome.Report.CountsByType["purchase"].ShouldBe(1);
        AssertAccounting(outcome);
    }

    [Fact]
    public void Each_bad_row_is_quarantined_verbatim_with_its_line_number_and_exact_reason()
    {
        var lines = new[]
        {
            View,
            """{"eventId":"e2","userId":"u1","type":"teleport","timestamp":"2026-11-20T10:00:00Z"}""",
            """{"eventId":"e3","userId":"u1","type":"view","timestamp":"2027-06-01T00:00:00Z"}""",
            """{"eventId":"e4","userId":"u1","type":"purchase","timestamp":"2026-11-20T10:00:00Z","categoryId":"c1"}""",
            """{"eventId":"e5","userId":"u1","type":"review","timestamp":"2026-11-20T10:00:00Z","productId":"p1","rating":7,"text":"ok"}""",
            """{"eventId":"e6","type":"view","timestamp":"2026-11-20T10:00:00Z"}""",
            """{"eventId":"e7","userId":"u1","type":"view","timestamp":"yesterday"}""",
            """{"eventId":"e8","userId":"u1","type":"purchase","timestamp":"2026-11-20T10:00:00Z","productId":"p","categoryId":"c","price":-3}""",
            """{"eventId":"e9","userId":"u1","type":"view","timestamp":"1999-01-01T00:00:00Z"}""",
            """{"eventId":"e10","userId":"u1","type":"review","timestamp":"2026-11-20T10:00:00Z","productId":"p1"}""",
            """not json at all""",
            """{"eventId":"e12","userId":"u1","type":"purchase","timestamp":"2026-11-20T10:00:00Z","productId":"p","categoryId":"c","quantity":0}""",
        };

        var outcome = Ingest(string.Join('\n', lines) + "\n");
        var q = Quarantine(outcome);

        outcome.Report.Accepted.ShouldBe(1);
        q.Select(e => (e.GetProperty("line").GetInt32(), e.GetProperty("reason").GetString())).ShouldBe(
        [
            (2, "unknown_type"), (3, "timestamp_in_future"), (4, "missing_product_id"), (5, "invalid_rating"),
            (6, "missing_user_id"), (7, "invalid_timestamp"), (8, "invalid_price"), (9, "timestamp_too_old"),
            (10, "missing_text"), (11, "invalid_json"), (12, "invalid_quantity"),
        ]);
        q[0].GetProperty("raw").GetString().ShouldBe(lines[1]);
        outcome.Report.RejectsByReason["unknown_type"].ShouldBe(1);
        AssertAccounting(outcome);
    }

    [Fact]
    public void Duplicate_event_ids_count_once_and_identical_id_less_lines_are_kept_as_repeated_events_by_default()
    {
        const string noId = """{"userId":"u9","type":"view","timestamp":"2026-11-20T10:00:00Z","categoryId":"c1"}""";
        var outcome = Ingest(string.Join('\n', View, View, noId, noId, noId.Replace("u9", "u8", StringComparison.Ordinal)));

        outcome.Report.Accepted.ShouldBe(4);
        outcome.Report.Duplicates.ShouldBe(1);
        outcome.Users["u1"].EventCount.ShouldBe(1);
        outcome.Users["u9"].EventCount.ShouldBe(2, "hour-granular logs repeat real events: identical lines without ids are not duplicates unless the mapping says so");
        AssertAccounting(outcome);
    }

    [Fact]
    public void A_mapping_with_dedupe_lines_counts_identical_id_less_lines_once_and_one_without_it_keeps_repeated_ids()
    {
        const string noId = """{"userId":"u9","type":"view","timestamp":"2026-11-20T10:00:00Z","categoryId":"c1"}""";
        var text = string.Join('\n', View, View, noId, noId);

        var lines = Ingest(text, LogMapping.Default with { DedupeLines = true });
        var none = Ingest(text, LogMapping.Default with { DedupeLines = false });

        (lines.Report.Accepted, lines.Report.Duplicates).ShouldBe((2, 2));
        (none.Report.Accepted, none.Report.Duplicates).ShouldBe((4, 0));
        AssertAccounting(lines);
        AssertAccounting(none);
    }

    [Fact]
    public void Invalid_utf8_a_200_kb_line_and_a_truncated_last_line_are_rejected_not_crashes()
    {
        var bytes = new List<byte>();
        bytes.AddRange(Encoding.UTF8.GetBytes(View + "\n"));
        bytes.AddRange(Encoding.UTF8.GetBytes("""{"eventId":"x","userId":"u""")); bytes.AddRange([0xC3, 0x28]); bytes.AddRange(Encoding.UTF8.GetBytes("\",\"type\":\"view\"}\n"));
        bytes.AddRange(Encoding.UTF8.GetBytes("""{"eventId":"big","userId":"u1","type":"review","text":""" + "\"" + new string('a', 200 * 1024) + "\"}\n"));
        bytes.AddRange(Encoding.UTF8.GetBytes("""{"eventId":"e4","userId":"u1","type":"vi"""));

        var outcome = Ingest(bytes.ToArray());
        var q = Quarantine(outcome);

        q.Select(e => e.GetProperty("reason").GetString()).ShouldBe(["invalid_utf8", "line_too_long", "invalid_json"]);
        q[0].TryGetProperty("rawBase64", out _).ShouldBeTrue("invalid UTF-8 is kept byte for byte");
        q[2].GetProperty("detail").GetString()!.ShouldStartWith("truncated last line");
        outcome.Report.Accepted.ShouldBe(1);
        AssertAccounting(outcome);
    }

    [Fact]
    public void Gzip_is_detected_by_its_magic_bytes_whatever_the_name()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(View + "\n"));
        }

        var outcome = Ingest(compressed.ToArray());

        outcome.Report.Compressed.ShouldBeTrue();
        outcome.Report.Accepted.ShouldBe(1);
    }

    [Fact]
    public void A_corrupt_gzip_or_binary_junk_is_unreadable_and_yields_no_state()
    {
        var corrupt = new byte[] { 0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF, 0x00, 0x12 };
        var junk = new byte[2048];
        new Random(3).NextBytes(junk);
        junk[10] = 0;

        foreach (var bytes in new[] { corrupt, junk })
        {
            var outcome = Ingest(bytes);
            outcome.Readable.ShouldBeFalse();
            outcome.Report.Error.ShouldNotBeNullOrEmpty();
            outcome.Users.ShouldBeEmpty();
        }
    }

    [Fact]
    public void Csv_with_quoted_delimiters_quotes_and_newlines_is_parsed_per_rfc_4180()
    {
        var csv = "eventId,userId,type,timestamp,productId,categoryId,price,quantity,query,rating,text,sessionId\r\n" +
            "e1,u1,review,2026-11-20T10:00:00Z,p1,c1,,,,2,\"Too small, and \"\"flimsy\"\"\nwish it were bigger\",s1\r\n" +
            "e2,u1,view,2026-11-20T11:00:00Z,p1,c1,,,,,,s1\r\n" +
            "e3,u1,view,2026-11-20T11:00:00Z,p1\r\n";

        var outcome = Ingest(csv);

        outcome.Report.Format.ShouldBe("csv");
        outcome.Report.Accepted.ShouldBe(2);
        outcome.Reviews.Single().Text.ShouldBe("Too small, and \"flimsy\"\nwish it were bigger");
        var q = Quarantine(outcome).Single();
        q.GetProperty("reason").GetString().ShouldBe("wrong_column_count");
        q.GetProperty("line").GetInt32().ShouldBe(5, "line numbers count physical lines: the review spans two");
        AssertAccounting(outcome);
    }

    [Fact]
    public void A_taobao_style_file_ingests_through_the_preset_mapping_alone()
    {
        var csv = "1,2268318,2520377,pv,1511544070\n1,2333346,2520771,buy,1511561733\n2,4365585,2520377,fav,1511599999\n3,1,2,unknown,1511599999\n";

        var outcome = new LogIngestor(LogMapping.Taobao, now: new DateTimeOffset(2017, 12, 5, 0, 0, 0, TimeSpan.Zero)).Ingest(MerchantId.Parse("m1"), "p", "UserBehavior.csv", Encoding.UTF8.GetBytes(csv));

        outcome.Report.Accepted.ShouldBe(3);
        outcome.Report.CountsByType.Keys.Order().ShouldBe(["purchase", "view", "wishlist"]);
        outcome.Users["1"].Categories["2520771"].PurchaseTimes.ShouldBe([1511561733L]);
        Quarantine(outcome).Single().GetProperty("reason").GetString().ShouldBe("unknown_type");
    }

    [Fact]
    public void A_layout_with_numeric_type_codes_and_local_hour_times_ingests_through_a_mapping_file()
    {
        var mapping = LogMapping.Parse("""
            { "name": "shop-x", "format": "csv", "delimiter": ";", "header": true,
              "columns": { "userId": "customer", "type": "action", "timestamp": "hour", "productId": "sku", "categoryId": "cat" },
              "types": { "1": "view", "2": "cart_add", "3": "purchase" },
              "timestamp": { "format": "yyyy-MM-dd HH", "timeZone": "Asia/Shanghai" } }
            """);
        var csv = "customer;sku;cat;action;hour\nc-1;s9;k2;1;2026-11-20 08\nc-1;s9;k2;3;2026-11-20 09\n";

        var outcome = new LogIngestor(mapping, now: Now).Ingest(MerchantId.Parse("m1"), "p", "x.csv", Encoding.UTF8.GetBytes(csv));

        outcome.Report.Accepted.ShouldBe(2);
        outcome.Users["c-1"].Categories["k2"].PurchaseTimes.Single().ShouldBe(new DateTimeOffset(2026, 11, 20, 1, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds());
    }

    [Fact]
    public void A_not_before_date_in_the_mapping_admits_a_historical_data_set_the_age_limit_would_reject()
    {
        // Taobao UserBehavior times (late 2017), ingested in 2026: nine years past the three-year limit.
        var csv = "1,2268318,2520377,pv,1511544070\n1,2333346,2520771,buy,1511561733\n2,4365585,2520377,fav,1511049600\n";
        var mapping = LogMapping.Parse("""{ "preset": "taobao-userbehavior", "notBefore": "2017-11-24" }""");

        var plain = new LogIngestor(LogMapping.Taobao, now: Now).Ingest(MerchantId.Parse("m1"), "p", "UserBehavior.csv", Encoding.UTF8.GetBytes(csv));
        var historical = new LogIngestor(mapping, now: Now).Ingest(MerchantId.Parse("m1"), "p", "UserBehavior.csv", Encoding.UTF8.GetBytes(csv));

        mapping.Name.ShouldBe(LogMapping.TaobaoName);
        mapping.NotBefore.ShouldBe(new DateOnly(2017, 11, 24));
        plain.Report.RejectsByReason["timestamp_too_old"].ShouldBe(3);
        historical.Report.Accepted.ShouldBe(2);
        historical.Users["1"].Categories["2520771"].PurchaseTimes.ShouldBe([1511561733L]);
        Quarantine(historical).Single().GetProperty("reason").GetString().ShouldBe("timestamp_too_old", "2017-11-19 is before notBefore and past the age limit");
        LogMapping.Parse(mapping.ToJson()).NotBefore.ShouldBe(mapping.NotBefore, "the setting survives the merchants-container round trip");
        AssertAccounting(historical);
    }

    [Fact]
    public void A_mapping_file_starts_from_its_preset_and_overrides_only_what_it_names()
    {
        var mapping = LogMapping.Parse("""{ "preset": "taobao-userbehavior", "name": "tb-tab", "Delimiter": "\t" }""");

        mapping.Name.ShouldBe("tb-tab");
        mapping.Delimiter.ShouldBe('\t');
        mapping.Header.ShouldBeFalse();
        mapping.Types["buy"].ShouldBe("purchase");
        mapping.Timestamp.Format.ShouldBe("unix-s");
        Should.Throw<InvalidDataException>(() => LogMapping.Parse("""{"preset":"amazon"}""")).Message.ShouldContain("amazon");
    }

    [Fact]
    public void Iso_timestamps_parse_to_the_same_instant_as_DateTimeOffset_across_the_calendar()
    {
        var parser = TimestampParser.Create(new TimestampMapping());
        var random = new Random(7);
        for (var i = 0; i < 20_000; i++)
        {
            var at = new DateTimeOffset(random.NextInt64(DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks) / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);
            var offset = TimeSpan.FromMinutes(random.Next(-14 * 60, 14 * 60));
            var local = at.ToOffset(at.UtcDateTime.Year is > 1 and < 9999 ? offset : TimeSpan.Zero);
            foreach (var text in new[] { local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture), at.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture), at.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture) })
            {
                parser.TryParse(Encoding.UTF8.GetBytes(text), out var seconds).ShouldBeTrue(text);
                seconds.ShouldBe(DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal).ToUnixTimeSeconds(), text);
            }
        }

        parser.TryParse("2024-02-29T00:00:00Z"u8, out _).ShouldBeTrue();
        parser.TryParse("2023-02-29T00:00:00Z"u8, out _).ShouldBeFalse();
    }

    [Fact]
    public void Plain_json_lines_and_their_escaped_or_malformed_variants_parse_as_the_full_json_reader_says()
    {
        var parser = new JsonRecordParser(LogMapping.Default);
        string[] lines =
        [
            View,
            """ { "userId" : "u1" ,	"type":"view" , "price": -0.5e+2, "quantity": 3, "rating": true, "sessionId": null } """,
            """{"userId":"u1","userId":"u2","text":"","query":"a\"b","type":"v\u0069ew","caf\u00e9":1}""",
            """{"userId":"u1","extra":{"a":[1,{"b":null}]},"tags":[1,2],"type":"view"}""",
            """{"userId":"u1","price":01}""", """{"userId":"u1","price":1.}""", """{"userId":"u1","price":-}""", """{"userId":"u1","price":2e}""",
            """{"userId":"u1","rating":tru}""", """{"userId":"u1","rating":truex}""", """{"userId":"u1",}""", """{"userId":"u1"} x""", """{"userId":"u1"}""" + "\t ",
            """{"userId":"u1"}}""", """{"userId":"u1\ttab"}""", "{\"userId\":\"u1\u0001\"}", """{'userId':'u1'}""", """[1,2]""", """{}""", """{/*c*/"userId":"u1"}""", """{"userId":"u1\""",
        ];

        foreach (var line in lines)
        {
            var bytes = Encoding.UTF8.GetBytes(line);
            var fast = new FieldValues();
            var full = new FieldValues();
            fast.Reset();
            full.Reset();

            var fastReason = parser.Parse(bytes, fast, out var fastDetail);
            var fullReason = parser.ParseWithReader(bytes, full, out var fullDetail);

            (fastReason, fastDetail).ShouldBe((fullReason, fullDetail), line);
            for (var field = 0; field < FieldValues.Count; field++)
            {
                Encoding.UTF8.GetString(fast.Get(field)).ShouldBe(Encoding.UTF8.GetString(full.Get(field)), $"{LogMapping.Fields[field]} in {line}");
            }
        }
    }

    [Fact]
    public void Mapping_mistakes_are_reported_with_the_field_that_is_wrong()
    {
        Should.Throw<InvalidDataException>(() => LogMapping.Parse("""{"columns":{"usr":"a"}}""")).Message.ShouldContain("usr");
        Should.Throw<InvalidDataException>(() => LogMapping.Parse("""{"types":{"x":"teleport"}}""")).Message.ShouldContain("teleport");
        Should.Throw<InvalidDataException>(() => LogMapping.Parse("""{"timestamp":{"timeZone":"Mars/Olympus"}}""")).Message.ShouldContain("Mars/Olympus");
    }

    [Fact]
    public void Rows_with_an_invalid_user_id_are_rejected_on_their_own_and_the_rest_of_the_part_is_kept()
    {
        var lines = new[]
        {
            View,
            View.Replace("\"e1\"", "\"e2\"", StringComparison.Ordinal).Replace("\"u1\"", "\"bb#1\"", StringComparison.Ordinal),
            View.Replace("\"e1\"", "\"e3\"", StringComparison.Ordinal).Replace("\"u1\"", "\"u/2\"", StringComparison.Ordinal),
            View.Replace("\"e1\"", "\"e4\"", StringComparison.Ordinal).Replace("\"u1\"", "\"u3\\\\\"", StringComparison.Ordinal),
            View.Replace("\"e1\"", "\"e5\"", StringComparison.Ordinal).Replace("\"u1\"", "\"   \"", StringComparison.Ordinal),
            View.Replace("\"e1\"", "\"e6\"", StringComparison.Ordinal).Replace("\"u1\"", "\"u4\"", StringComparison.Ordinal),
        };

        var outcome = Ingest(string.Join('\n', lines) + "\n");

        outcome.Report.Accepted.ShouldBe(2);
        outcome.Users.Keys.Order().ShouldBe(["u1", "u4"]);
        outcome.Report.RejectsByReason.ShouldBe(new Dictionary<string, long> { ["invalid_user_id"] = 4 });
        Quarantine(outcome).Select(q => q.GetProperty("line").GetInt64()).ShouldBe([2L, 3L, 4L, 5L]);
        Quarantine(outcome)[0].GetProperty("detail").GetString()!.ShouldContain("'#'");
    }

    [Fact]
    public void Rows_with_a_product_or_category_id_outside_the_id_rule_are_rejected_on_their_own()
    {
        var view = View.Replace("\"u1\"", "\"u9\"", StringComparison.Ordinal);
        var lines = new[]
        {
            view,
            view.Replace("\"e1\"", "\"e2\"", StringComparison.Ordinal).Replace("\"productId\":\"", "\"productId\":\"p/", StringComparison.Ordinal),
            view.Replace("\"e1\"", "\"e3\"", StringComparison.Ordinal).Replace("\"categoryId\":\"", "\"categoryId\":\"#", StringComparison.Ordinal),
            view.Replace("\"e1\"", "\"e4\"", StringComparison.Ordinal).Replace("\"categoryId\":\"", "\"categoryId\":\"咖啡 ", StringComparison.Ordinal),
        };

        var outcome = Ingest(string.Join('\n', lines) + "\n");

        outcome.Report.Accepted.ShouldBe(2, "the first row and the one whose category has a space inside (allowed)");
        outcome.Report.RejectsByReason.ShouldBe(new Dictionary<string, long> { ["invalid_catalogue_id"] = 2 });
        var details = Quarantine(outcome).Select(q => q.GetProperty("detail").GetString()!).ToList();
        details[0].ShouldStartWith("product id: it contains '/'");
        details[1].ShouldStartWith("category id: it contains '#'");
    }

    [Fact]
    public void A_csv_row_with_a_hash_in_the_user_id_does_not_poison_the_valid_rows()
    {
        var csv = "bb#1,1,101,pv,1511539200\nbb2,1,101,pv,1511539200\n";

        var outcome = new LogIngestor(LogMapping.Taobao, now: new DateTimeOffset(2017, 12, 5, 0, 0, 0, TimeSpan.Zero)).Ingest(MerchantId.Parse("m1"), "p", "UserBehavior.csv", Encoding.UTF8.GetBytes(csv));

        outcome.Readable.ShouldBeTrue();
        outcome.Users.Keys.ShouldBe(["bb2"]);
        outcome.Report.RejectsByReason["invalid_user_id"].ShouldBe(1);
    }

    [Fact]
    public void Csv_columns_beyond_the_64th_are_read_by_header_name_and_by_position()
    {
        var filler = Enumerable.Range(0, 65).Select(i => "x" + i).ToList();
        var header = string.Join(',', filler) + ",userId,type,timestamp,productId,categoryId";
        var row = string.Join(',', filler.Select(_ => "")) + ",u70,purchase,2026-11-20T10:00:00Z,p1,c1";
        var byName = LogMapping.Parse("""{"format":"csv","header":true}""");
        var byPosition = LogMapping.Parse("""{"format":"csv","header":false,"columns":{"userId":65,"type":66,"timestamp":67,"productId":68,"categoryId":69}}""");

        var named = Ingest(header + "\n" + row + "\n", byName);
        var positional = Ingest(row + "\n", byPosition);

        foreach (var outcome in new[] { named, positional })
        {
            outcome.Report.RejectsByReason.ShouldBeEmpty();
            outcome.Report.Accepted.ShouldBe(1);
            outcome.Users["u70"].Categories["c1"].Counts[(int)EventType.Purchase].ShouldBe(1);
        }
    }

    [Fact]
    public void Erased_users_are_suppressed_without_keeping_their_raw_rows()
    {
        var outcome = Ingest(View + "\n", erased: u => u == "u1");

        outcome.Users.ShouldBeEmpty();
        var q = Quarantine(outcome).Single();
        q.GetProperty("reason").GetString().ShouldBe("user_erased");
        q.TryGetProperty("raw", out _).ShouldBeFalse();
        AssertAccounting(outcome);
    }

    [Fact]
    public void The_report_keeps_the_first_three_rejected_rows_per_reason_with_line_detail_and_a_cut_excerpt()
    {
        var lines = new List<string> { View };
        for (var i = 0; i < 5; i++)
        {
            lines.Add($$"""{"eventId":"t{{i}}","userId":"u{{i}}","type":"teleport","timestamp":"2026-11-20T10:00:00Z","productId":"p1","categoryId":"c1","note":"{{new string('x', 120)}}"}""");
        }

        lines.Add("{not json");
        var outcome = Ingest(string.Join("\n", lines) + "\n");

        var teleports = outcome.Report.RejectExamples["unknown_type"];
        teleports.Select(e => e.Line).ShouldBe([2L, 3L, 4L]);
        teleports[0].Detail.ShouldBe("type 'teleport'");
        teleports[0].Excerpt!.ShouldStartWith(lines[1][..RejectSample.MaxExcerpt]);
        teleports[0].Excerpt!.Length.ShouldBe(RejectSample.MaxExcerpt + 1, "100 characters and an ellipsis");
        teleports[0].Subject.ShouldBe(Demand.Core.Storage.Tombstones.Id(MerchantId.Parse("m1"), UserId.Parse("u0")));
        var malformed = outcome.Report.RejectExamples.Single(kv => kv.Key != "unknown_type").Value.Single();
        malformed.Line.ShouldBe(7);
        malformed.Excerpt.ShouldBe("{not json");
        malformed.Subject.ShouldBeNull("no user id could be read");
        outcome.Report.RejectsByReason["unknown_type"].ShouldBe(5);
    }

    [Fact]
    public void An_erased_shoppers_rejected_row_is_an_example_with_its_line_only()
    {
        var outcome = Ingest(View + "\n", erased: u => u == "u1");

        var example = outcome.Report.RejectExamples["user_erased"].Single();
        example.Line.ShouldBe(1);
        example.Excerpt.ShouldBeNull();
    }

    [Fact]
    public void Reviews_become_mining_work_with_the_event_id_as_review_id()
    {
        var outcome = Ingest("""{"eventId":"r1","userId":"u1","type":"review","timestamp":"2026-11-20T10:00:00Z","productId":"p1","categoryId":"c1","rating":2,"text":"battery dies by noon"}""");

        var review = outcome.Reviews.Single();
        review.ReviewId.ShouldBe("r1");
        review.Rating.ShouldBe(2);
        review.Text.ShouldBe("battery dies by noon");
        outcome.Users["u1"].Categories["c1"].RatingCount.ShouldBe(1);
    }
}
