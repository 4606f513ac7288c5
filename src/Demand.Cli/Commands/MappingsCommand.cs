using Demand.Core.Identifiers;
using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
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

        var merchant = new Option<MerchantId>("--merchant") { Description = MerchantIdParser.Description, Required = true, CustomParser = MerchantIdParser.Parse };
        var mappingFile = new Argument<FileInfo>("mapping") { Description = "Mapping file (JSON, docs/log-format.md)." };
        var sample = new Option<FileInfo?>("--sample") { Description = "A sample log file: the service parses it with the mapping and shows the result (mappings check) before storing." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate and check the sample only; store nothing." };
        var set = new Command("set", "Register a merchant's mapping through the API (validated, versioned; with --sample, checked on the sample first).") { mappingFile, merchant, sample, dryRun, ApiConnection.Url, ApiConnection.Key };
        set.SetAction((parse, ct) => SetAsync(ApiConnection.From(parse), parse.GetValue(merchant), parse.GetValue(mappingFile)!, parse.GetValue(sample), parse.GetValue(dryRun), Console.Out, ct));
        var get = new Command("get", "Show a merchant's registered mapping and its version.") { merchant, ApiConnection.Url, ApiConnection.Key };
        get.SetAction((parse, ct) => GetAsync(ApiConnection.From(parse), parse.GetValue(merchant), Console.Out, ct));
        return new Command("mappings", "Merchant log mappings.") { check, set, get };
    }

    /// <summary>0: some events accepted; 1: none accepted; 2: the mapping is broken; 3: the file is unreadable.</summary>
    internal static int Check(FileInfo file, FileInfo? mappingFile, string? preset, int rows, int? maxAgeDays, TextWriter output)
    {
        LogMapping mapping;
        try
        {
            mapping = mappingFile is not null
                ? LogMapping.Parse(File.ReadAllText(mappingFile.FullName))
                : preset is not null
                    ? LogMapping.Preset(preset) ?? throw new InvalidDataException($"Unknown preset '{preset}' (known: {LogMapping.DefaultName}, {LogMapping.TaobaoName}).")
                    : LogMapping.Default;
            mapping.Validate();
        }
        catch (InvalidDataException ex)
        {
            output.WriteLine("mapping error: " + ex.Message);
            return 2;
        }

        var limits = maxAgeDays is { } days ? new ValidationLimits { MaxAge = TimeSpan.FromDays(days) } : ValidationLimits.Default;
        output.WriteLine($"mapping {mapping.Name}: format {mapping.Format.ToString().ToLowerInvariant()}, delimiter '{mapping.Delimiter}', header {mapping.Header.ToString().ToLowerInvariant()}, timestamps {mapping.Timestamp.Format} ({mapping.Timestamp.TimeZone})");
        using var stream = file.OpenRead();
        var result = MappingCheck.Run(mapping, stream, stream.Length, rows, limits);
        return Print(result, output);
    }

    /// <summary>Prints a check (local or from <c>PUT …/mapping</c>); the exit code of <see cref="Check"/>.</summary>
    /// <summary>0: stored (or, with --dry-run, would be); 1: the sample did not parse; 2: the mapping was refused.</summary>
    internal static async Task<int> SetAsync(HttpClient api, MerchantId merchantId, FileInfo mappingFile, FileInfo? sample, bool dryRun, TextWriter output, CancellationToken cancellationToken)
    {
        using var _ = api;
        JsonElement mapping;
        try
        {
            mapping = JsonDocument.Parse(await File.ReadAllTextAsync(mappingFile.FullName, cancellationToken), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }).RootElement;
        }
        catch (JsonException ex)
        {
            output.WriteLine("mapping error: not JSON: " + ex.Message);
            return 2;
        }

        var body = new Dictionary<string, object?> { ["mapping"] = mapping };
        if (sample is not null)
        {
            body["sampleBase64"] = Convert.ToBase64String(await File.ReadAllBytesAsync(sample.FullName, cancellationToken));
        }

        var path = $"/api/v1/merchants/{merchantId.Value}/mapping" + (dryRun ? "?dryRun=true" : "");
        using var response = await api.PutAsJsonAsync(new Uri(path, UriKind.Relative), body, cancellationToken);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        if (answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("check", out var check) && check.ValueKind == JsonValueKind.Object)
        {
            Print(check.Deserialize<MappingCheckResult>(JsonSerializerOptions.Web)!, output);
        }

        if (response.IsSuccessStatusCode)
        {
            output.WriteLine(answer.GetProperty("stored").GetBoolean()
                ? $"stored mapping version {answer.GetProperty("version").GetInt32()} for {merchantId}"
                : "dry run: nothing stored");
            return 0;
        }

        output.WriteLine($"refused ({(int)response.StatusCode}): {answer}");
        return (int)response.StatusCode == 422 ? 1 : 2;
    }

    internal static async Task<int> GetAsync(HttpClient api, MerchantId merchantId, TextWriter output, CancellationToken cancellationToken)
    {
        using var _ = api;
        using var response = await api.GetAsync(new Uri($"/api/v1/merchants/{merchantId.Value}/mapping", UriKind.Relative), cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            output.WriteLine($"{merchantId} has no registered mapping: the default layout applies (docs/log-format.md)");
            return 1;
        }

        response.EnsureSuccessStatusCode();
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        output.WriteLine($"version {answer.GetProperty("version").GetInt32()}, registered {answer.GetProperty("updatedAt").GetString()}");
        output.WriteLine(JsonSerializer.Serialize(answer.GetProperty("mapping"), new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    internal static int Print(MappingCheckResult result, TextWriter output)
    {
        output.WriteLine("first accepted events:");
        foreach (var e in result.FirstEvents)
        {
            output.WriteLine(MappingCheck.Describe(e));
        }

        if (result.Status != IngestionReport.Ingested)
        {
            output.WriteLine($"unreadable: {result.Error}");
            return 3;
        }

        output.WriteLine($"{result.Format}{(result.Compressed ? " (gzip)" : "")}: {result.LinesRead:N0} lines read = {result.Accepted:N0} accepted + {result.Rejected:N0} rejected + {result.Duplicates:N0} duplicates; {result.Users:N0} users");
        output.WriteLine("accepted by type: " + string.Join(", ", result.AcceptedByType.Select(kv => $"{kv.Key} {kv.Value:N0}")));
        if (result.Rejected > 0)
        {
            output.WriteLine("rejects by reason:");
            foreach (var group in result.Rejects)
            {
                output.WriteLine($"  {group.Reason,-20} {group.Count,10:N0}");
                foreach (var example in group.Examples)
                {
                    output.WriteLine($"      line {example.Line}: {(example.Detail is null ? "" : example.Detail + " | ")}{example.Raw}");
                }
            }
        }

        return result.Accepted > 0 ? 0 : 1;
    }
}
