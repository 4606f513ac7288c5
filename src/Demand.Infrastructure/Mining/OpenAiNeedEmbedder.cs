using System.Collections.Concurrent;
using Demand.Core.Mining;
using Microsoft.Extensions.Options;
using OpenAI.Embeddings;

namespace Demand.Infrastructure.Mining;

/// <summary>
/// Need-phrase embeddings from the configured endpoint's embedding model. Vectors are cached per process: a phrase
/// embeds the same every time, and the canonical phrases are asked for on every merge.
/// </summary>
public sealed class OpenAiNeedEmbedder(IOptions<OpenAiMinerOptions> options) : INeedEmbedder
{
    private const int MaxCached = 20_000;

    private readonly EmbeddingClient client = OpenAiConnection.Embeddings(options.Value);
    private readonly ConcurrentDictionary<string, float[]> cache = new(StringComparer.Ordinal);

    public async Task<PhraseEmbeddings> EmbedAsync(IReadOnlyList<string> phrases, CancellationToken cancellationToken)
    {
        var missing = phrases.Where(p => !cache.ContainsKey(p)).Distinct(StringComparer.Ordinal).ToList();
        long tokens = 0;
        if (missing.Count > 0)
        {
            var result = (await client.GenerateEmbeddingsAsync(missing, cancellationToken: cancellationToken)).Value;
            tokens = result.Usage?.InputTokenCount ?? 0;
            if (cache.Count + missing.Count > MaxCached)
            {
                cache.Clear();
            }

            foreach (var embedding in result)
            {
                cache[missing[embedding.Index]] = embedding.ToFloats().ToArray();
            }
        }

        return new PhraseEmbeddings(phrases.Select(p => cache[p]).ToList(), tokens);
    }
}
