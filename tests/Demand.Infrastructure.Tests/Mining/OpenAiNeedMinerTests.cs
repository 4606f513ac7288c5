using System.Diagnostics;
using Demand.Core.Mining;
using Demand.Infrastructure.Mining;
using Demand.Testing.OpenAi;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Demand.Infrastructure.Tests.Mining;

/// <summary>The LLM miner against the OpenAI-compatible test server over real HTTP, in every fault mode.</summary>
public sealed class OpenAiNeedMinerTests
{
    private static readonly string[] Samples =
    [
        "Way too small for my son.", "尺寸太小了。", "Too expensive for what it is.", "价格太贵了。",
        "It broke after two weeks.", "用了两周就坏了。", "Way too loud in the morning.", "声音太吵了。",
        "Too heavy to carry around.", "太重了，不方便带。", "The battery runs out fast.", "Love the soft fabric.",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static List<ReviewInput> Reviews(int count) =>
        Enumerable.Range(0, count).Select(i => new ReviewInput("r" + i, Samples[i % Samples.Length], null, "p1", null, null)).ToList();

    internal static OpenAiNeedMiner Miner(OpenAiTestServer server, Action<OpenAiMinerOptions>? configure = null)
    {
        var options = new OpenAiMinerOptions { Endpoint = server.Endpoint, Model = "test-model", ApiKey = "test-key", BaseDelayMilliseconds = 10, TimeoutSeconds = 15, BatchSize = 10 };
        configure?.Invoke(options);
        return new OpenAiNeedMiner(Options.Create(options), new LexiconNeedMiner(), TimeProvider.System, NullLogger<OpenAiNeedMiner>.Instance);
    }

    /// <summary>The test server answers with what the offline miner finds, so a correct round trip reproduces it exactly.</summary>
    internal static void ShouldMatchOfflineMiner(IReadOnlyList<ReviewInput> reviews, MiningOutcome outcome, bool provisional)
    {
        outcome.Reviews.Count.ShouldBe(reviews.Count);
        var offline = new LexiconNeedMiner();
        for (var i = 0; i < reviews.Count; i++)
        {
            outcome.Reviews[i].Provisional.ShouldBe(provisional, $"review {i}");
            outcome.Reviews[i].Needs.Select(n => (n.Need, n.Polarity, n.Evidence))
                .ShouldBe(offline.Mine(reviews[i].Text, null).Select(n => (n.Need, n.Polarity, n.Evidence)), ignoreOrder: true, $"review {i}: {reviews[i].Text}");
        }
    }

    [Fact]
    public async Task Reviews_go_out_in_batches_of_the_configured_size_with_a_strict_schema_and_all_come_back_in_order()
    {
        await using var server = await OpenAiTestServer.StartAsync(Ct);
        server.RequiredApiKey = "test-key";
        var miner = Miner(server, o => o.BatchSize = 20);
        var reviews = Reviews(45);

        var outcome = await miner.MineAsync(reviews, Ct);

        server.Requests.Select(r => r.Reviews.Count).Order().ShouldBe([5, 20, 20]);
        server.Requests.ShouldAllBe(r => r.Status == 200);
        ShouldMatchOfflineMiner(reviews, outcome, provisional: false);
        outcome.Usage.Requests.ShouldBe(3);
        outcome.Usage.InputTokens.ShouldBeGreaterThan(0);
        outcome.Usage.OutputTokens.ShouldBeGreaterThan(0);
        outcome.Usage.FallbackReviews.ShouldBe(0);
    }

    [Fact]
    public async Task Review_text_travels_only_as_delimited_data_never_in_the_instructions()
    {
        await using var server = await OpenAiTestServer.StartAsync(Ct);
        var reviews = Reviews(3);

        await Miner(server).MineAsync(reviews, Ct);

        var request = server.Requests.Single();
        reviews.ShouldAllBe(r => !request.SystemPrompt.Contains(r.Text, StringComparison.Ordinal));
        request.UserContent.ShouldStartWith("<reviews>");
        request.UserContent.TrimEnd().ShouldEndWith("</reviews>");
    }

    [Fact]
    public async Task A_429_is_retried_no_sooner_than_its_Retry_After()
    {
        await using var server = await OpenAiTestServer.StartAsync(Ct);
        server.RetryAfterSeconds = 1;
        server.Faults.Enqueue(OpenAiFault.TooManyRequests);
        var reviews = Reviews(10);

        var outcome = await Miner(server).MineAsync(reviews, Ct);

        var requests = server.Requests.ToList();
        requests.Select(r => r.Status).ShouldBe([429, 200]);
        Stopwatch.GetElapsedTime(requests[0].Timestamp, requests[1].Timestamp).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(0.95));
        ShouldMatchOfflineMiner(reviews, outcome, provisional: false);
        outcome.Usage.Retries.ShouldBe(1);
    }

    [Theory]
    [InlineData(OpenAiFault.ServerError)]
    [InlineData(OpenAiFault.Malformed)]
    [InlineData(OpenAiFault.Truncated)]
    [InlineData(OpenAiFault.Slow)]
    public async Task A_transient_fault_loses_no_review_and_ends_in_the_models_answer(OpenAiFault fault)
    {
        await using var server = await OpenAiTestServer.StartAsync(Ct);
        server.SlowDelay = TimeSpan.FromSeconds(3);
        server.Faults.Enqueue(fault);
        var reviews = Reviews(12);

        var outcome = await Miner(server, o => o.TimeoutSeconds = 1).MineAsync(reviews, Ct);

        ShouldMatchOfflineMiner(reviews, outcome, provisional: false);
        server.Requests.Count(r => r.Status == 200).ShouldBeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task An_outage_opens_the_breaker_and_every_review_gets_provisional_offline_needs_without_more_calls()
    {
        await using var server = await OpenAiTestServer.StartAsync(Ct);
        server.DefaultFault = OpenAiFault.ServerError;
        var miner = Miner(server, o =>
        {
            o.MaxConcurrency = 1;
            o.MaxRetries = 1;
            o.BreakerFailures = 2;
        });
        var reviews = Reviews(50);

        var outcome = await miner.MineAsync(reviews, Ct);

        ShouldMatchOfflineMiner(reviews, outcome, provisional: true);
        server.Requests.Count.ShouldBe(2);
        outcome.Usage.FallbackReviews.ShouldBe(50);
        miner.BreakerOpen.ShouldBeTrue();
    }

    [Fact]
    public async Task An_unreachable_endpoint_falls_back_to_provisional_offline_needs()
    {
        Uri endpoint;
        await using (var server = await OpenAiTestServer.StartAsync(Ct))
        {
            endpoint = server.Endpoint;
        }

        var miner = new OpenAiNeedMiner(
            Options.Create(new OpenAiMinerOptions { Endpoint = endpoint, Model = "m", ApiKey = "k", BaseDelayMilliseconds = 1, MaxRetries = 1, TimeoutSeconds = 2 }),
            new LexiconNeedMiner(), TimeProvider.System, NullLogger<OpenAiNeedMiner>.Instance);
        var reviews = Reviews(4);

        var outcome = await miner.MineAsync(reviews, Ct);

        ShouldMatchOfflineMiner(reviews, outcome, provisional: true);
    }

    [Fact]
    public async Task Needs_with_invented_evidence_or_bad_fields_are_dropped_and_counted()
    {
        await using var server = await OpenAiTestServer.StartAsync(Ct);
        server.Faults.Enqueue(OpenAiFault.InvalidItems);
        var reviews = Reviews(12);

        var outcome = await Miner(server, o => o.BatchSize = 12).MineAsync(reviews, Ct);

        ShouldMatchOfflineMiner(reviews, outcome, provisional: false);
        outcome.Usage.DroppedNeeds.ShouldBe(4);
        server.Requests.Count.ShouldBe(1);
    }
}
