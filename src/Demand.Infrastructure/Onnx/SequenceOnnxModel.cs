using System.Text.Json;
using Demand.Core.Scoring;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Demand.Infrastructure.Onnx;

/// <summary>
/// A sequence challenger (training/train_sequence.py) in ONNX Runtime: inputs <c>features</c> [N, <see cref="PairFeatures.Count"/>]
/// and <c>sequence</c> [N, <see cref="PairSequence.Days"/>, <see cref="PairSequence.Channels"/>] float32, output
/// <c>probability</c> [N,1]. Evaluated next to the served ranker by <c>demand evaluate --challenger</c>; not served.
/// </summary>
public sealed class SequenceOnnxModel : IDisposable
{
    private static readonly string[] InputNames = ["features", "sequence"];
    private static readonly string[] OutputNames = ["probability"];

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    private SequenceOnnxModel(InferenceSession session, string version, IReadOnlyDictionary<string, string> metadata)
    {
        _session = session;
        Version = version;
        Metadata = metadata;
    }

    public string Version { get; }

    /// <summary>The model's <c>metadata_props</c>: feature_names, feature_version, sequence_channels, model_version, metrics, data.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Loads a challenger after checking that it reads exactly the code's pair features and daily sequence.</summary>
    /// <exception cref="ModelMismatchException">Other inputs, feature list or input version (e.g. the pair-only demand-mlp).</exception>
    /// <exception cref="OnnxRuntimeException">The bytes are not a model ONNX Runtime can load.</exception>
    public static SequenceOnnxModel Load(byte[] model)
    {
        using var options = OnnxModel.CreateOptions(intraOpThreads: 1);
        var session = new InferenceSession(model, options);
        try
        {
            var metadata = session.ModelMetadata.CustomMetadataMap.ToDictionary(StringComparer.Ordinal);
            var names = metadata.TryGetValue("feature_names", out var json) ? JsonSerializer.Deserialize<string[]>(json) ?? [] : [];
            var channels = metadata.TryGetValue("sequence_channels", out var channelJson) ? JsonSerializer.Deserialize<string[]>(channelJson) ?? [] : [];
            var featureVersion = metadata.GetValueOrDefault("feature_version", "");
            var inputs = session.InputMetadata.Keys.Order(StringComparer.Ordinal).ToList();
            if (featureVersion != PairSequence.InputVersion || !names.SequenceEqual(PairFeatures.Names) || !channels.SequenceEqual(PairSequence.ChannelNames)
                || !inputs.SequenceEqual(InputNames.Order(StringComparer.Ordinal)) || !session.OutputMetadata.ContainsKey(OutputNames[0]))
            {
                throw new ModelMismatchException(
                    $"The challenger reads inputs [{string.Join(", ", inputs)}] of version '{featureVersion}' ({names.Length} features, {channels.Length} sequence channels), " +
                    $"not the code's [features, sequence] of version '{PairSequence.InputVersion}' ({PairFeatures.Count} features, {PairSequence.Channels} channels): train it with training/train_sequence.py on data exported by this code.");
            }

            return new SequenceOnnxModel(session, metadata.GetValueOrDefault("model_version", "unversioned"), metadata);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Probabilities of <paramref name="rows"/> pairs: their feature rows and their <see cref="PairSequence"/> values.</summary>
    public unsafe void Score(ReadOnlySpan<float> features, ReadOnlySpan<float> sequences, int rows, Span<float> probabilities)
    {
        if (features.Length != rows * PairFeatures.Count || sequences.Length != rows * PairSequence.Length || probabilities.Length < rows)
        {
            throw new ArgumentException($"Expected {rows} × {PairFeatures.Count} features, {rows} × {PairSequence.Length} sequence values and room for {rows} probabilities.");
        }

        if (rows == 0)
        {
            return;
        }

        fixed (float* f = features)
        fixed (float* s = sequences)
        fixed (float* p = probabilities)
        {
            using var featureValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, [rows, PairFeatures.Count], (nint)f, (long)rows * PairFeatures.Count * sizeof(float));
            using var sequenceValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, [rows, PairSequence.Days, PairSequence.Channels], (nint)s, (long)rows * PairSequence.Length * sizeof(float));
            using var output = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, [rows, 1], (nint)p, (long)rows * sizeof(float));
            _session.Run(_runOptions, InputNames, [featureValue, sequenceValue], OutputNames, [output]);
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
