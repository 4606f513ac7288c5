using Demand.Cli.Commands;

namespace Demand.Cli.Tests.Mappings;

public sealed class MappingsCommandTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("demand-mappings-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void Checking_a_numeric_code_layout_shows_parsed_events_and_each_reject_reason_with_an_example()
    {
        var log = Write("export.csv", "2|1|2026-11-20 09|s1|d1\n1|9|2026-11-20 10|s1|d1\n2|3|2026-11-20 11|s1|d1\n3|1|tomorrow|s2|d1\n");
        var mapping = Write("m.json", """
            { "name": "codes", "format": "csv", "delimiter": "|", "header": false,
              "columns": { "userId": 0, "type": 1, "timestamp": 2, "productId": 3, "categoryId": 4 },
              "types": { "1": "view", "3": "purchase" },
              "timestamp": { "format": "yyyy-MM-dd HH", "timeZone": "Asia/Shanghai" } }
            """);
        using var output = new StringWriter();

        var exit = MappingsCommand.Check(log, mapping, preset: null, rows: 5, maxAgeDays: null, output);

        var text = output.ToString();
        exit.ShouldBe(0);
        text.ShouldContain("line 1      view        user=2 at=2026-11-20T01:00:00Z product=s1 category=d1");
        text.ShouldContain("line 3      purchase    user=2 at=2026-11-20T03:00:00Z");
        text.ShouldContain("4 lines read = 2 accepted + 2 rejected + 0 duplicates");
        text.ShouldContain("invalid_timestamp");
        text.ShouldContain("unknown_type");
        text.ShouldContain("line 4: ");
    }

    [Fact]
    public void A_mapping_naming_an_unknown_field_is_reported_before_reading_the_file()
    {
        var log = Write("a.jsonl", "{}\n");
        var mapping = Write("bad.json", """{ "columns": { "shoeSize": 3 } }""");
        using var output = new StringWriter();

        MappingsCommand.Check(log, mapping, preset: null, rows: 5, maxAgeDays: null, output).ShouldBe(2);
        output.ToString().ShouldContain("shoeSize");
    }

    [Fact]
    public void A_file_where_nothing_parses_exits_with_one()
    {
        var log = Write("t.csv", "1,2,3,pv,1511544070\n");
        using var output = new StringWriter();

        MappingsCommand.Check(log, mappingFile: null, preset: "taobao-userbehavior", rows: 5, maxAgeDays: null, output).ShouldBe(1);
        output.ToString().ShouldContain("timestamp_too_old");
        output.Dispose();
        using var historical = new StringWriter();
        MappingsCommand.Check(log, mappingFile: null, preset: "taobao-userbehavior", rows: 5, maxAgeDays: 20 * 365, historical).ShouldBe(0);
    }

    private FileInfo Write(string name, string content)
    {
        var path = Path.Combine(_folder.FullName, name);
        File.WriteAllText(path, content);
        return new FileInfo(path);
    }
}
