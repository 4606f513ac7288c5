using System.Text.Json;
using Demand.Core.Scoring;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Demand.Infrastructure.Onnx;

/// <summary>Scores feature rows with the demand model (thread-safe: ONNX Runtime sessions allow concurrent Run).</summary>
public interface IDemandModel
{
    string Version { get; }

    IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Probabilities for <paramref name="rows"/> rows of <see cref="PairFeatures.Count"/> features each.</summary>
    void Score(ReadOnlySpan<float> features, int rows, Span<float> probabilities);
}

/// <summary>
/// An ONNX model in one ONNX Runtime <see cref="InferenceSession"/> (Microsoft.ML.OnnxRuntime): input
/// <c>features</c> [N,F] float32, output <c>probability</c> [N,1]. <see cref="Score"/> wraps the caller's buffers
/// as tensors in place (pinned for the call), so a batch copies nothing and allocates no per-row memory.
/// </summary>
public sealed class OnnxModel : IDemandModel, IDisposable
{
    private const string InputName = "features";
    private const string OutputName = "probability";
    private static readonly string[] InputNames = [InputName];
    private static readonly string[] OutputNames = [OutputName];

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly ReaderWriterLockSlim _lifetime = new();
    private bool _disposed;

    private OnnxModel(InferenceSession session, string version, IReadOnlyList<string> names, IReadOnlyDictionary<string, string> metadata)
    {
        _session = session;
        Version = version;
        FeatureNames = names;
        Metadata = metadata;
    }

    public string Version { get; }

    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The model's <c>metadata_props</c>: feature_names, feature_version, model_version, metrics, data.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static string RuntimeVersion => OrtEnv.Instance().GetVersionString();

    /// <summary>Loads a model after checking that its feature list is exactly <paramref name="expectedFeatures"/>.</summary>
    /// <param name="intraOpThreads">
    /// Threads inside one Run. 1 by default: the MLP is small, so a second thread costs more in hand-off than it
    /// saves (bench score), and callers already run batches concurrently on the 2-core plan.
    /// </param>
    /// <exception cref="ModelMismatchException">The model was trained on another feature list or version.</exception>
    /// <exception cref="OnnxRuntimeException">The bytes are not a model ONNX Runtime can load.</exception>
    public static OnnxModel Load(byte[] model, IReadOnlyList<string> expectedFeatures, string expectedFeatureVersion, int intraOpThreads = 1)
    {
        using var options = CreateOptions(intraOpThreads);
        var session = new InferenceSession(model, options);
        try
        {
            var metadata = session.ModelMetadata.CustomMetadataMap.ToDictionary(StringComparer.Ordinal);
            var names = metadata.TryGetValue("feature_names", out var json) ? JsonSerializer.Deserialize<string[]>(json) ?? [] : [];
            var featureVersion = metadata.GetValueOrDefault("feature_version", "");
            if (featureVersion != expectedFeatureVersion || !names.SequenceEqual(expectedFeatures))
            {
                var missing = expectedFeatures.Except(names).ToList();
                var extra = names.Except(expectedFeatures).ToList();
                throw new ModelMismatchException(
                    $"The model's features (version '{featureVersion}', {names.Length} features) do not match the code's (version '{expectedFeatureVersion}', {expectedFeatures.Count} features)" +
                    (missing.Count > 0 ? "; missing: " + string.Join(", ", missing) : "") +
                    (extra.Count > 0 ? "; unexpected: " + string.Join(", ", extra) : "") +
                    (missing.Count == 0 && extra.Count == 0 && featureVersion == expectedFeatureVersion ? "; same names in another order" : "") +
                    ". Retrain the model with this code (training/README.md).");
            }

            if (!session.InputMetadata.ContainsKey(InputName) || !session.OutputMetadata.ContainsKey(OutputName))
            {
                throw new ModelMismatchException($"The model must have input '{InputName}' and output '{OutputName}'; it has inputs [{string.Join(", ", session.InputMetadata.Keys)}] and outputs [{string.Join(", ", session.OutputMetadata.Keys)}].");
            }

            return new OnnxModel(session, metadata.GetValueOrDefault("model_version", "unversioned"), names, metadata);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>The session options of every small scoring model: full graph optimisation, no spinning idle threads.</summary>
    internal static SessionOptions CreateOptions(int intraOpThreads)
    {
        var options = new SessionOptions
        {
            // Fuses Gemm + activation and folds constants: measurable on a small MLP (bench score).
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };

        // Idle intra-op threads spin by default, burning the second core the app needs for featurizing and I/O.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    public unsafe void Score(ReadOnlySpan<float> features, int rows, Span<float> probabilities)
    {
        if (rows == 0)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return;
        }

        var columns = FeatureNames.Count;
        if (features.Length != rows * columns || probabilities.Length < rows)
        {
            throw new ArgumentException($"Expected {rows} × {columns} features and room for {rows} probabilities.");
        }

        // The read lock lets concurrent Runs share the session and keeps Dispose from freeing it under one.
        _lifetime.EnterReadLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            fixed (float* input = features)
            fixed (float* output = probabilities)
            {
                // Tensors over the caller's memory: ONNX Runtime reads the rows and writes the probabilities in place.
                using var inputValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, [rows, columns], (nint)input, (long)rows * columns * sizeof(float));
                using var outputValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, [rows, 1], (nint)output, (long)rows * sizeof(float));
                _session.Run(_runOptions, InputNames, [inputValue], OutputNames, [outputValue]);
            }
        }
        finally
        {
            _lifetime.ExitReadLock();
        }
    }

    public void Dispose()
    {
        _lifetime.EnterWriteLock();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _session.Dispose();
            _runOptions.Dispose();
        }
        finally
        {
            _lifetime.ExitWriteLock();
        }
    }
}

/// <summary>The model was trained on a different feature list than the code computes.</summary>
public sealed class ModelMismatchException(string message) : Exception(message);
