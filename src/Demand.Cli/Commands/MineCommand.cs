using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Demand.Core.Mining;
using Demand.Infrastructure.Mining;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Demand.Cli.Commands;

/// <summary>
/// <c>demand mine --in reviews.jsonl [--out needs.jsonl] [--miner offline|openai] [--encoder int8|float]</c>: mines a merchant's own reviews
/// with the shipped miner. Input lines <c>{"id","text","rating"?,"language"?,"productId"?,"categoryId"?}</c>; one
/// output line per input <c>{"id","language","aspects":[{"term","from","to","aspect","polarity","need"?,"severity","opinion"?}]}</c>,
/// <c>from</c>/<c>to</c> in UTF-16 code units of <c>text</c>, end exclusive; <c>need</c> only on complaints.
/// The LLM miner reads the app's settings from the environment (<c>Mining__OpenAi__Endpoint</c>, <c>…__Model</c>,
/// <c>…__ApiKey</c> for a local server) and falls back to the offline miner as the app does.
/// </summary>
internal static class MineCommand
{
    private const int Batch = 64;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create()
    {
        var input = new Option<string>("--in") { Description = "Reviews, one JSON object per line.", Required = true };
        var output = new Option<string?>("--out") { Description = "Needs, one line per review (default: standard output)." };
        var minerName = new Option<string>("--miner") { Description = "offline (the learned miner, default) or openai.", DefaultValueFactory = _ => "offline" };
        minerName.AcceptOnlyFromAmong("offline", "openai");
        var encoder = new Option<string>("--encoder") { Description = "The offline miner's encoder: float (default, as Mining__Encoder) or int8 (faster, slightly less accurate).", DefaultValueFactory = _ => "float" };
        encoder.AcceptOnlyFromAmong("int8", "float");
        var command = new Command("mine", "Mine aspects, polarity and needs from reviews in a JSONL file.") { input, output, minerName, encoder };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var offline = new LearnedNeedMiner(LearnedMinerFiles.Default with { Int8Encoder = parse.GetValue(encoder) == "int8" });
            INeedMiner miner = parse.GetValue(minerName) == "openai" ? OpenAi(offline) : offline;
            await using var writer = parse.GetValue(output) is { } file ? new StreamWriter(file) : new StreamWriter(Console.OpenStandardOutput());
            var count = await MineFileAsync(parse.GetValue(input)!, writer, miner, cancellationToken);
            await Console.Error.WriteLineAsync($"mine: {count:N0} reviews with {miner.Version}");
            return 0;
        });
        return command;
    }

    /// <summary>The whole command minus option parsing: reviews file in, one output line per review out.</summary>
    public static async Task<int> MineFileAsync(string input, TextWriter writer, INeedMiner miner, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var chunk in Read(input).Chunk(Batch))
        {
            var outcome = await miner.MineAsync(chunk, cancellationToken);
            for (var i = 0; i < chunk.Length; i++)
            {
                await writer.WriteLineAsync(JsonSerializer.Serialize(Line(chunk[i], outcome.Reviews[i]), Json));
            }

            count += chunk.Length;
        }

        return count;
    }

    public static MinedLine ParseLine(string line) => JsonSerializer.Deserialize<MinedLine>(line, Json) ?? throw new InvalidDataException("empty line");

    public static string InputLine(string id, string text, string? language) => JsonSerializer.Serialize(new ReviewLine(id, text, null, language, null, null), Json);

    /// <summary>One output line: aspects in text order; spans of miners that give only evidence (the LLM) point at the evidence.</summary>
    public static MinedLine Line(ReviewInput review, MinedReview mined) => new(
        review.ReviewId,
        LearnedNeedMiner.LanguageOf(review),
        mined.Needs.Select(n =>
        {
            var from = n.From ?? Math.Max(0, review.Text.IndexOf(n.Evidence, StringComparison.Ordinal));
            var to = n.To ?? from + n.Evidence.Length;
            return new MinedAspectLine(n.Term ?? n.Evidence, from, to, n.Aspect, n.Polarity, n.IsNeed ? n.Need : null, n.Severity, n.Opinion, n.Implicit ? true : null);
        }).ToList());

    public static IEnumerable<ReviewInput> Read(string file)
    {
        var line = 0;
        foreach (var text in File.ReadLines(file))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var row = JsonSerializer.Deserialize<ReviewLine>(text, Json) ?? throw new InvalidDataException($"{file}:{line}: not a JSON object");
            if (string.IsNullOrEmpty(row.Id) || row.Text is null)
            {
                throw new InvalidDataException($"{file}:{line}: \"id\" and \"text\" are required");
            }

            yield return new ReviewInput(row.Id, row.Text, row.Rating, row.ProductId ?? "-", row.CategoryId, row.Language);
        }
    }

    private static OpenAiNeedMiner OpenAi(IOfflineNeedMiner fallback)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var options = new OpenAiMinerOptions();
        configuration.GetSection(OpenAiMinerOptions.Section).Bind(options);
        if (options.Endpoint is null || string.IsNullOrEmpty(options.Model))
        {
            throw new InvalidOperationException("--miner openai needs Mining__OpenAi__Endpoint and Mining__OpenAi__Model in the environment.");
        }

        return new OpenAiNeedMiner(Options.Create(options), fallback, TimeProvider.System, NullLogger<OpenAiNeedMiner>.Instance);
    }

    private sealed record ReviewLine(string? Id, string? Text, int? Rating, string? Language, string? ProductId, string? CategoryId);
}

/// <summary>One line of <c>demand mine</c> output.</summary>
internal sealed record MinedLine(string Id, string Language, IReadOnlyList<MinedAspectLine> Aspects);

/// <summary>One aspect of a <c>demand mine</c> line: term span [From, To) in UTF-16 code units.</summary>
internal sealed record MinedAspectLine(string Term, int From, int To, string Aspect, string Polarity, string? Need, int Severity, string? Opinion, bool? Implicit);
