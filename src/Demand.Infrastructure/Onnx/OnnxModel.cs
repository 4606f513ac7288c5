using System.Text.Json;
using Demand.Core.Scoring;

namespace Demand.Infrastructure.Onnx;

/// <summary>Scores feature rows with the demand model (thread-safe: ONNX Runtime sessions allow concurrent Run).</summary>
public interface IDemandModel
{
    string Version { get; }

    IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Probabilities for <paramref name="rows"/> rows of <see cref="PairFeatures.Count"/> features each.</summary>
    void Score(ReadOnlySpan<float> features, int rows, Span<float> probabilities);
}

/// <summary>An ONNX model loaded into ONNX Runtime: input <c>features</c> [N,F] float32, output <c>probability</c> [N,1].</summary>
public sealed class OnnxModel : IDemandModel, IDisposable
{
    private static readonly byte[] InputName = "features\0"u8.ToArray();
    private static readonly byte[] OutputName = "probability\0"u8.ToArray();
    private readonly OrtApi _api;
    private readonly OrtHandle _env;
    private readonly OrtHandle _options;
    private readonly OrtHandle _session;
    private readonly OrtHandle _memory;
    private int _disposed;

    private OnnxModel(OrtApi api, OrtHandle env, OrtHandle options, OrtHandle session, OrtHandle memory, string version, IReadOnlyList<string> names, IReadOnlyDictionary<string, string> metadata)
    {
        _api = api;
        _env = env;
        _options = options;
        _session = session;
        _memory = memory;
        Version = version;
        FeatureNames = names;
        Metadata = metadata;
    }

    public string Version { get; }

    public IReadOnlyList<string> FeatureNames { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public string RuntimeVersion => _api.Version;

    /// <summary>Loads a model after checking that its feature list is exactly <paramref name="expectedFeatures"/>.</summary>
    /// <exception cref="ModelMismatchException">The model was trained on another feature list or version.</exception>
    public static OnnxModel Load(string runtimeLibrary, byte[] model, IReadOnlyList<string> expectedFeatures, string expectedFeatureVersion, int intraOpThreads = 1)
    {
        var metadata = OnnxMetadata.Read(model);
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

        var api = OrtApi.Load(runtimeLibrary);
        var env = new OrtHandle(api.CreateEnv("demand"), api.ReleaseEnv);
        var options = new OrtHandle(api.CreateSessionOptions(intraOpThreads), api.ReleaseSessionOptions);
        OrtHandle? session = null;
        try
        {
            session = new OrtHandle(api.CreateSession(env.DangerousGetHandle(), model, options.DangerousGetHandle()), api.ReleaseSession);
            var memory = new OrtHandle(api.CreateCpuMemoryInfo(), api.ReleaseMemoryInfo);
            return new OnnxModel(api, env, options, session, memory, metadata.GetValueOrDefault("model_version", "unversioned"), names, metadata);
        }
        catch
        {
            session?.Dispose();
            options.Dispose();
            env.Dispose();
            throw;
        }
    }

    public void Score(ReadOnlySpan<float> features, int rows, Span<float> probabilities)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (rows == 0)
        {
            return;
        }

        if (features.Length != rows * FeatureNames.Count || probabilities.Length < rows)
        {
            throw new ArgumentException($"Expected {rows} × {FeatureNames.Count} features and room for {rows} probabilities.");
        }

        // AddRef keeps the native session alive for the duration of the call even if Dispose races with it.
        var sessionRef = false;
        var memoryRef = false;
        try
        {
            _session.DangerousAddRef(ref sessionRef);
            _memory.DangerousAddRef(ref memoryRef);
            _api.Run(_session.DangerousGetHandle(), _memory.DangerousGetHandle(), InputName, OutputName, features, rows, FeatureNames.Count, probabilities);
        }
        finally
        {
            if (memoryRef)
            {
                _memory.DangerousRelease();
            }

            if (sessionRef)
            {
                _session.DangerousRelease();
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _memory.Dispose();
        _session.Dispose();
        _options.Dispose();
        _env.Dispose();
    }
}

/// <summary>The model was trained on a different feature list than the code computes.</summary>
public sealed class ModelMismatchException(string message) : Exception(message);
