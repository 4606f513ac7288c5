using Microsoft.ML.OnnxRuntime;

namespace Demand.Infrastructure.Mining.Learned;

/// <summary>An aspect term found by the English model: span [From, To) in the text and polarity probabilities (negative, neutral, positive).</summary>
public sealed record TaggedTerm(int From, int To, float Negative, float Neutral, float Positive);

/// <summary>
/// The English aspect head (models/miner-en-head.onnx, trained by training/train_miner.py on frozen MiniLM states):
/// per WordPiece piece O/B/I tag and polarity probabilities. Decoding: a piece is inside an aspect when P(O) is below
/// the threshold chosen on validation (model metadata); a term starts at an inside piece and runs over following
/// pieces whose I outweighs B; terms widen to whole words.
/// </summary>
public sealed class EnglishAspectHead : IDisposable
{
    private static readonly string[] OutputNames = ["tags", "polarity"];
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    public EnglishAspectHead(string file)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        _session = new InferenceSession(file, options);
        var metadata = _session.ModelMetadata.CustomMetadataMap;
        Version = metadata.GetValueOrDefault("model_version", "unversioned");
        Threshold = float.Parse(metadata.GetValueOrDefault("threshold", "0.5"), System.Globalization.CultureInfo.InvariantCulture);
    }

    public string Version { get; }

    public float Threshold { get; }

    /// <summary>Raw head outputs for a padded batch: hidden [batch, pieces, 384], mask [batch, pieces] → tags and polarity [batch, pieces, 3].</summary>
    public (float[] Tags, float[] Polarity) Run(float[] hidden, float[] mask, int batch, int pieces)
    {
        using var h = OrtValue.CreateTensorValueFromMemory(hidden, [batch, pieces, MiniLmEncoder.Dimensions]);
        using var m = OrtValue.CreateTensorValueFromMemory(mask, [batch, pieces]);
        using var outputs = _session.Run(_runOptions, new Dictionary<string, OrtValue>(StringComparer.Ordinal) { ["hidden"] = h, ["mask"] = m }, OutputNames);
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[1].GetTensorDataAsSpan<float>().ToArray());
    }

    /// <summary>Terms of encoded sequences (one head call for the batch).</summary>
    public List<List<TaggedTerm>> Tag(string[] texts, IReadOnlyList<EncodedSequence> sequences)
    {
        var batch = sequences.Count;
        var pieces = Math.Max(1, sequences.Max(s => s.Pieces.Count));
        var hidden = new float[batch * pieces * MiniLmEncoder.Dimensions];
        var mask = new float[batch * pieces];
        for (var b = 0; b < batch; b++)
        {
            sequences[b].Hidden.CopyTo(hidden, b * pieces * MiniLmEncoder.Dimensions);
            mask.AsSpan(b * pieces, sequences[b].Pieces.Count).Fill(1);
        }

        var (tags, polarity) = Run(hidden, mask, batch, pieces);
        var result = new List<List<TaggedTerm>>(batch);
        for (var b = 0; b < batch; b++)
        {
            result.Add(Decode(texts[b], sequences[b].Pieces, tags.AsSpan(b * pieces * 3), polarity.AsSpan(b * pieces * 3)));
        }

        return result;
    }

    private List<TaggedTerm> Decode(string text, IReadOnlyList<WordPiece> pieces, ReadOnlySpan<float> tags, ReadOnlySpan<float> polarity)
    {
        var terms = new List<TaggedTerm>();
        var n = pieces.Count;
        var i = 0;
        while (i < n)
        {
            if (tags[i * 3] >= Threshold)
            {
                i++;
                continue;
            }

            var j = i + 1;
            while (j < n && tags[j * 3] < Threshold && tags[j * 3 + 2] >= tags[j * 3 + 1])
            {
                j++;
            }

            var (from, to) = (pieces[i].From, pieces[j - 1].To);
            while (from > 0 && char.IsLetterOrDigit(text[from - 1]) && char.IsLetterOrDigit(text[from]))
            {
                from--;
            }

            while (to < text.Length && char.IsLetterOrDigit(text[to]) && char.IsLetterOrDigit(text[to - 1]))
            {
                to++;
            }

            float negative = 0, neutral = 0, positive = 0;
            for (var k = i; k < j; k++)
            {
                negative += polarity[k * 3];
                neutral += polarity[k * 3 + 1];
                positive += polarity[k * 3 + 2];
            }

            terms.Add(new TaggedTerm(from, to, negative / (j - i), neutral / (j - i), positive / (j - i)));
            i = j;
        }

        return terms;
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
