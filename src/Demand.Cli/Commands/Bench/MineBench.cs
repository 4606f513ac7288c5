using System.CommandLine;
using System.Diagnostics;
using Demand.Core.Mining;
using Demand.Tooling.Synthetic;
using Demand.Infrastructure.Mining;
using Demand.Testing.OpenAi;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Demand.Cli.Commands.Bench;

/// <summary>
/// <c>demand bench mine</c>: the offline miner's reviews/s on one thread over generated EN+ZH reviews, next to a
/// floor baseline (lower-casing and clause-splitting the same texts) in the same run; then the LLM miner against
/// the local OpenAI-compatible test server: requests and tokens per 1,000 reviews at several batch sizes, next to
/// one review per request.
/// </summary>
internal static class MineBench
{
    private static readonly char[] ClauseEnds = ['.', '!', '?', ';', ',', '。', '！', '？', '；', '，'];

    public static Command Create()
    {
        var reviews = new Option<int>("--reviews") { Description = "Distinct generated reviews.", DefaultValueFactory = _ => 5_000 };
        var seconds = new Option<double>("--seconds") { Description = "Measuring time per offline phase.", DefaultValueFactory = _ => 3 };
        var llmReviews = new Option<int>("--llm-reviews") { Description = "Reviews sent to the test server per batch size (0 leaves the LLM part out).", DefaultValueFactory = _ => 1_000 };
        var mams = new Option<string?>("--mams") { Description = "MAMS-ATSA folder: also time the miner on its (longer, real) test sentences." };
        var batches = new Option<int>("--batches") { Description = "Batches of 20 reviews timed per miner (learned vs lexicon).", DefaultValueFactory = _ => 50 };
        var command = new Command("mine", "Offline miners' reviews/s and p99 latency per batch of 20, LLM requests/tokens per 1,000 reviews.") { reviews, seconds, llmReviews, mams, batches };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var texts = Reviews(parse.GetValue(reviews));
            var budget = TimeSpan.FromSeconds(parse.GetValue(seconds));
            Offline("generated", texts, budget);
            List<ReviewInput>? real = null;
            if (parse.GetValue(mams) is { } folder)
            {
                real = EvaluateMinerCommand.LoadSentences(Path.Combine(folder, "test.xml")).Select((s, i) => new ReviewInput("s" + i, s.Text, null, "p", null, "en")).ToList();
                Offline("MAMS-ATSA test", real, budget);
            }

            Batches("generated", texts, parse.GetValue(batches), cancellationToken);
            if (real is not null)
            {
                Batches("MAMS-ATSA test", real, parse.GetValue(batches), cancellationToken);
            }

            if (parse.GetValue(llmReviews) > 0)
            {
                await LlmAsync(texts.Take(parse.GetValue(llmReviews)).ToList(), cancellationToken);
            }

            return 0;
        });
        return command;
    }

    private static List<ReviewInput> Reviews(int count) =>
        new MarketGenerator(new MarketOptions { Seed = 17, Users = Math.Max(200, count), Days = 28, ReviewRate = 0.6 })
            .Generate()
            .Where(e => e.Event.Text is not null)
            .Take(count)
            .Select((e, i) => new ReviewInput("r" + i, e.Event.Text!, e.Event.Rating, e.Event.ProductId ?? "p", e.Event.CategoryId, e.Language))
            .ToList();

    private static void Offline(string source, List<ReviewInput> reviews, TimeSpan budget)
    {
        var miner = new LexiconNeedMiner();
        var sink = 0L;
        var floor = Measure(reviews, budget, r => sink += r.Text.ToLowerInvariant().Split(ClauseEnds).Length);
        var mined = Measure(reviews, budget, r => sink += miner.Mine(r.Text, r.Rating).Count);
        var chinese = reviews.Count(r => r.Language == "zh");
        Console.WriteLine($"offline: {reviews.Count:N0} {source} reviews ({chinese:N0} zh, avg {reviews.Average(r => r.Text.Length):F0} chars), one thread, best of 3 × {budget.TotalSeconds:F0} s");
        Console.WriteLine($"  floor (lower-case + clause split): {floor,12:N0} reviews/s");
        Console.WriteLine($"  LexiconNeedMiner:                  {mined,12:N0} reviews/s ({floor / mined:F1}× the floor's time per review; target ≥ 20,000/s)");
        GC.KeepAlive(sink);
    }

    /// <summary>
    /// The learned miner (the default, float encoder) next to the lexicon miner and to itself with the int8 encoder, on
    /// the same batches of 20 reviews — one core
    /// (ONNX Runtime with one intra-op thread, batches one after another): reviews/s and p50/p99 latency per batch.
    /// </summary>
    private static void Batches(string source, List<ReviewInput> reviews, int count, CancellationToken cancellationToken)
    {
        var loading = Stopwatch.GetTimestamp();
        using var learned = new LearnedNeedMiner(LearnedMinerFiles.Default);
        var floatLoad = Stopwatch.GetElapsedTime(loading);
        loading = Stopwatch.GetTimestamp();
        using var learnedInt8 = new LearnedNeedMiner(LearnedMinerFiles.Default with { Int8Encoder = true });
        var int8Load = Stopwatch.GetElapsedTime(loading);
        Console.WriteLine($"learned miner load: float encoder {floatLoad.TotalMilliseconds:N0} ms, int8 encoder (quantised while loading) {int8Load.TotalMilliseconds:N0} ms");
        var lexicon = new LexiconNeedMiner();
        var batches = Enumerable.Range(0, count).Select(b => Enumerable.Range(0, 20).Select(i => reviews[(b * 20 + i) % reviews.Count]).ToList()).ToList();
        Console.WriteLine($"offline miners, batches of 20 {source} reviews, one core, {count} batches each after a warm-up batch:");
        var lexiconRate = Time("LexiconNeedMiner", batches, b => lexicon.MineAsync(b, cancellationToken).GetAwaiter().GetResult());
        var learnedRate = Time("LearnedNeedMiner", batches, b => learned.Mine(b, cancellationToken));
        var int8Rate = Time("int8 encoder", batches, b => learnedInt8.Mine(b, cancellationToken));
        Console.WriteLine($"  learned / lexicon throughput: {learnedRate / lexiconRate:F4}× (target for the learned miner ≥ 200 reviews/s per instance)");
        Console.WriteLine($"  int8 / float encoder throughput: {int8Rate / learnedRate:F2}× (Mining__Encoder=int8; the default is float)");
    }

    private static double Time(string name, List<List<ReviewInput>> batches, Action<List<ReviewInput>> mine)
    {
        mine(batches[0]);
        var latencies = new List<double>();
        var started = Stopwatch.GetTimestamp();
        foreach (var batch in batches)
        {
            var at = Stopwatch.GetTimestamp();
            mine(batch);
            latencies.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
        }

        var rate = batches.Sum(b => b.Count) / Stopwatch.GetElapsedTime(started).TotalSeconds;
        latencies.Sort();
        Console.WriteLine($"  {name,-18} {rate,12:N0} reviews/s   p50 {latencies[latencies.Count / 2],8:F2} ms   p99 {latencies[(int)Math.Ceiling(latencies.Count * 0.99) - 1],8:F2} ms per batch of 20");
        return rate;
    }

    private static double Measure(List<ReviewInput> reviews, TimeSpan budget, Action<ReviewInput> work)
    {
        // A warm-up pass so tiered JIT and regex construction are not measured.
        reviews.ForEach(work);
        var best = 0.0;
        for (var run = 0; run < 3; run++)
        {
            var started = Stopwatch.GetTimestamp();
            long done = 0;
            while (Stopwatch.GetElapsedTime(started) < budget)
            {
                reviews.ForEach(work);
                done += reviews.Count;
            }

            best = Math.Max(best, done / Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        return best;
    }

    private static async Task LlmAsync(List<ReviewInput> reviews, CancellationToken cancellationToken)
    {
        await using var server = await OpenAiTestServer.StartAsync(cancellationToken);
        Console.WriteLine($"llm: {reviews.Count:N0} reviews against the local OpenAI-compatible test server (tokens: ≈4 ASCII chars or 1 CJK char each, prompt + schema + data counted)");
        double? single = null;
        foreach (var batch in new[] { 1, 10, 20, 30 })
        {
            var miner = new OpenAiNeedMiner(
                Options.Create(new OpenAiMinerOptions { Endpoint = server.Endpoint, Model = "bench", ApiKey = "bench", BatchSize = Math.Max(10, batch), MaxConcurrency = 4 }),
                new LexiconNeedMiner(), TimeProvider.System, NullLogger<OpenAiNeedMiner>.Instance);
            var started = Stopwatch.GetTimestamp();
            var usage = MiningUsage.None;
            if (batch == 1)
            {
                // One review per request: what a naive per-review integration pays (BatchSize cannot go below 10).
                foreach (var review in reviews)
                {
                    usage += (await miner.MineAsync([review], cancellationToken)).Usage;
                }
            }
            else
            {
                usage = (await miner.MineAsync(reviews, cancellationToken)).Usage;
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            var perReview = (usage.InputTokens + usage.OutputTokens) / (double)reviews.Count;
            single ??= perReview;
            Console.WriteLine(
                $"  batch {batch,2}: {usage.Requests * 1000.0 / reviews.Count,6:F1} requests and {perReview * 1000,9:N0} tokens per 1,000 reviews " +
                $"({usage.InputTokens / (double)reviews.Count:F0} in + {usage.OutputTokens / (double)reviews.Count:F0} out per review; {single / perReview:F2}× fewer than batch 1; " +
                $"{usage.FallbackReviews} fallbacks) in {elapsed.TotalMilliseconds:N0} ms");
        }
    }
}
