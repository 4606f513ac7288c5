using System.ClientModel;
using System.Globalization;
using System.Text.Json;
using Demand.Core.Mining;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI.Chat;

namespace Demand.Infrastructure.Mining;

/// <summary>
/// Needs from an OpenAI-compatible chat endpoint with a strict JSON schema. Reviews go out in batches tagged by
/// index, inside delimiters, as data; the answer is validated (every index once, evidence a substring of its own
/// review); requests run with bounded concurrency and are retried with exponential backoff and jitter, honouring
/// Retry-After. Reviews that look like instructions to the model are mined alone. A circuit breaker sends batches
/// to the offline miner while the endpoint is failing: those reviews are served but marked provisional so they are
/// mined again once it answers.
/// </summary>
public sealed partial class OpenAiNeedMiner : INeedMiner
{
    private static readonly BinaryData Schema = BinaryData.FromString(NeedPrompt.Schema);

    private readonly ChatClient client;
    private readonly OpenAiMinerOptions options;
    private readonly IOfflineNeedMiner fallback;
    private readonly TimeProvider time;
    private readonly ILogger<OpenAiNeedMiner> logger;
    private readonly SemaphoreSlim concurrency;
    private readonly Lock gate = new();
    private int consecutiveFailures;
    private DateTimeOffset openUntil = DateTimeOffset.MinValue;

    public OpenAiNeedMiner(IOptions<OpenAiMinerOptions> options, IOfflineNeedMiner fallback, TimeProvider time, ILogger<OpenAiNeedMiner> logger)
    {
        this.options = options.Value;
        this.fallback = fallback;
        this.time = time;
        this.logger = logger;
        if (this.options.Endpoint is null || string.IsNullOrEmpty(this.options.Model))
        {
            throw new InvalidOperationException("Mining:OpenAi:Endpoint and Mining:OpenAi:Model are required for the openai miner.");
        }

        concurrency = new SemaphoreSlim(this.options.MaxConcurrency);
        client = OpenAiConnection.Chat(this.options);
    }

    /// <summary>The model is part of the version: switching deployments re-mines.</summary>
    public string Version => "openai-1:" + options.Model;

    /// <summary>True while the breaker sends batches to the offline miner.</summary>
    public bool BreakerOpen
    {
        get
        {
            lock (gate)
            {
                return time.GetUtcNow() < openUntil;
            }
        }
    }

    public async Task<MiningOutcome> MineAsync(IReadOnlyList<ReviewInput> reviews, CancellationToken cancellationToken)
    {
        var usage = new UsageCounter();

        // Reviews that address the model go alone (see InstructionScreen); the rest share batches.
        var isolated = new List<int>();
        var batched = new List<int>();
        for (var i = 0; i < reviews.Count; i++)
        {
            (InstructionScreen.LooksLikeInstructions(reviews[i].Text) ? isolated : batched).Add(i);
        }

        var batches = batched.Chunk(options.BatchSize).Concat(isolated.Select(i => new[] { i })).ToList();
        var results = await Task.WhenAll(batches.Select(b => MineBatchAsync(b.Select(i => reviews[i]).ToArray(), usage, cancellationToken)));
        var ordered = new MinedReview[reviews.Count];
        for (var b = 0; b < batches.Count; b++)
        {
            for (var j = 0; j < batches[b].Length; j++)
            {
                ordered[batches[b][j]] = results[b][j];
            }
        }

        return new MiningOutcome(ordered, usage.ToUsage());
    }

    private async Task<IReadOnlyList<MinedReview>> MineBatchAsync(ReviewInput[] batch, UsageCounter usage, CancellationToken cancellationToken)
    {
        for (var attempt = 0; !BreakerOpen; attempt++)
        {
            Attempt outcome;
            await concurrency.WaitAsync(cancellationToken);
            try
            {
                // Batches queued behind the semaphore must not call out once the breaker has opened meanwhile.
                if (BreakerOpen)
                {
                    break;
                }

                outcome = await TryBatchAsync(batch, usage, cancellationToken);
            }
            finally
            {
                concurrency.Release();
            }

            if (outcome.Result is not null)
            {
                lock (gate)
                {
                    consecutiveFailures = 0;
                }

                return outcome.Result;
            }

            if (outcome.BadContent)
            {
                // The endpoint is up but the answer broke the contract: one review may be steering the model.
                // Bisect so it can only spoil its own result; bad content does not count towards the breaker.
                if (batch.Length > 1)
                {
                    var half = batch.Length / 2;
                    var halves = await Task.WhenAll(MineBatchAsync(batch[..half], usage, cancellationToken), MineBatchAsync(batch[half..], usage, cancellationToken));
                    return [.. halves[0], .. halves[1]];
                }

                if (attempt >= 1)
                {
                    break;
                }
            }
            else
            {
                RecordFailure();
                if (attempt >= options.MaxRetries || outcome.RetryAfter > TimeSpan.FromSeconds(options.MaxRetryAfterSeconds))
                {
                    break;
                }
            }

            usage.Retry();
            var backoff = TimeSpan.FromMilliseconds(options.BaseDelayMilliseconds * Math.Pow(2, attempt) * (0.5 + Random.Shared.NextDouble()));
            await Task.Delay(outcome.RetryAfter is { } wait && wait > backoff ? wait : backoff, time, cancellationToken);
        }

        // Breaker open, retries spent, or a single review whose answer never validates: the offline miner keeps every
        // review, marked provisional so it is mined again when the endpoint answers.
        usage.Fallback(batch.Length);
        var offline = await fallback.MineAsync(batch, cancellationToken);
        return offline.Reviews.Select(r => r with { Provisional = true }).ToList();
    }

    private async Task<Attempt> TryBatchAsync(ReviewInput[] batch, UsageCounter usage, CancellationToken cancellationToken)
    {
        ChatMessage[] messages =
        [
            new SystemChatMessage(NeedPrompt.Instructions),
            new UserChatMessage(NeedAnswer.Data(batch)),
        ];
        var chatOptions = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat(NeedPrompt.SchemaName, Schema, jsonSchemaIsStrict: true),
            Temperature = 0,
        };
        usage.Request();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(options.TimeoutSeconds));
            var completion = (await client.CompleteChatAsync(messages, chatOptions, timeout.Token)).Value;
            if (completion.Usage is { } tokens)
            {
                usage.Tokens(tokens.InputTokenCount, tokens.OutputTokenCount);
            }

            if (completion.FinishReason != ChatFinishReason.Stop || completion.Content.Count == 0)
            {
                LogBadAnswer(logger, "finish reason " + completion.FinishReason);
                return Attempt.Bad;
            }

            var parsed = NeedAnswer.Parse(batch, completion.Content[0].Text, out var valid, out var invalid);
            usage.Dropped(invalid);

            // Mostly invalid needs means the model was steered, not that it slipped: treat the whole answer as bad.
            return invalid > valid ? Attempt.Bad : new Attempt(parsed, null, false);
        }
        catch (ClientResultException ex) when (ex.Status is 429 or 408 or >= 500 or 0)
        {
            LogRequestFailed(logger, ex.Status);
            return new Attempt(null, RetryAfter(ex), false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogTimedOut(logger, options.TimeoutSeconds);
            return new Attempt(null, null, false);
        }
        catch (HttpRequestException ex)
        {
            LogUnreachable(logger, ex.Message);
            return new Attempt(null, null, false);
        }
        catch (JsonException ex)
        {
            LogBadAnswer(logger, ex.Message);
            return Attempt.Bad;
        }
    }

    private static TimeSpan? RetryAfter(ClientResultException ex)
    {
        var response = ex.GetRawResponse();
        if (response is null || !response.Headers.TryGetValue("Retry-After", out var value))
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at - DateTimeOffset.UtcNow : null;
    }

    private void RecordFailure()
    {
        lock (gate)
        {
            if (++consecutiveFailures >= options.BreakerFailures)
            {
                openUntil = time.GetUtcNow().AddSeconds(options.BreakerOpenSeconds);
                consecutiveFailures = 0;
                LogBreakerOpen(logger, options.BreakerOpenSeconds);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Need mining request failed with status {Status}")]
    private static partial void LogRequestFailed(ILogger logger, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Need mining request timed out after {Seconds} s")]
    private static partial void LogTimedOut(ILogger logger, int seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Need mining endpoint unreachable: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Need mining answer rejected: {Reason}")]
    private static partial void LogBadAnswer(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Need mining breaker open for {Seconds} s: reviews go to the offline miner, marked provisional")]
    private static partial void LogBreakerOpen(ILogger logger, int seconds);

    private sealed record Attempt(IReadOnlyList<MinedReview>? Result, TimeSpan? RetryAfter, bool BadContent)
    {
        public static Attempt Bad { get; } = new(null, null, true);
    }

    /// <summary>Per-call counters shared by the call's concurrent batches.</summary>
    private sealed class UsageCounter
    {
        private int requests, retries, dropped, fallbackReviews;
        private long inputTokens, outputTokens;

        public void Request() => Interlocked.Increment(ref requests);

        public void Retry() => Interlocked.Increment(ref retries);

        public void Dropped(int count) => Interlocked.Add(ref dropped, count);

        public void Fallback(int count) => Interlocked.Add(ref fallbackReviews, count);

        public void Tokens(long input, long output)
        {
            Interlocked.Add(ref inputTokens, input);
            Interlocked.Add(ref outputTokens, output);
        }

        public MiningUsage ToUsage() => new(
            Volatile.Read(ref requests), Volatile.Read(ref retries), Interlocked.Read(ref inputTokens), Interlocked.Read(ref outputTokens),
            Volatile.Read(ref dropped), Volatile.Read(ref fallbackReviews));
    }
}
