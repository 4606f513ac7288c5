using System.Text.Json;
using Demand.Core.Scoring;
using Demand.Infrastructure.Onnx;
using Demand.Tooling;
using Microsoft.ML.OnnxRuntime;

namespace Demand.Infrastructure.Tests.Onnx;

/// <summary>The sequence challenger (training/train_sequence.py, a GRU exported to an ONNX GRU) through the real ONNX Runtime.</summary>
public sealed class SequenceOnnxModelTests
{
    private static string ModelPath => Path.Combine(RepoPaths.RepositoryRoot()!, "models", "demand-gru.onnx");

    private sealed record Fixture(string FeatureVersion, float[][] Features, float[][] Sequences, double[] Expected);

    [Fact]
    public void Scores_from_the_csharp_runtime_equal_pytorch_on_the_parity_fixture_in_one_batch()
    {
        var fixture = JsonSerializer.Deserialize<Fixture>(File.ReadAllText(Path.ChangeExtension(ModelPath, ".parity.json")), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        using var model = SequenceOnnxModel.Load(File.ReadAllBytes(ModelPath));
        var output = new float[fixture.Features.Length];

        model.Score(fixture.Features.SelectMany(r => r).ToArray(), fixture.Sequences.SelectMany(r => r).ToArray(), fixture.Features.Length, output);

        fixture.FeatureVersion.ShouldBe(PairSequence.InputVersion);
        fixture.Features.Length.ShouldBeGreaterThan(10);
        fixture.Sequences.ShouldAllBe(s => s.Length == PairSequence.Length && s.Any(v => v != 0));
        for (var i = 0; i < output.Length; i++)
        {
            ((double)output[i]).ShouldBe(fixture.Expected[i], tolerance: 1e-5);
        }
    }

    [Fact]
    public void The_challenger_declares_the_pair_features_and_sequence_version_it_reads()
    {
        using var model = SequenceOnnxModel.Load(File.ReadAllBytes(ModelPath));

        model.Version.ShouldStartWith("demand-gru");
        model.Metadata["feature_version"].ShouldBe(PairFeatures.Version + "+" + PairSequence.Version);
        model.Metadata.Keys.ShouldContain("metrics");
    }

    [Fact]
    public void The_pair_only_demand_model_is_refused_as_a_challenger_naming_both_input_versions()
    {
        var error = Should.Throw<ModelMismatchException>(() => SequenceOnnxModel.Load(File.ReadAllBytes(Path.Combine(RepoPaths.RepositoryRoot()!, "models", "demand-mlp.onnx"))));

        error.Message.ShouldContain("'pairs-v2'");
        error.Message.ShouldContain("'" + PairSequence.InputVersion + "'");
    }

    [Fact]
    public void Bytes_that_are_not_an_onnx_model_are_refused_by_the_runtime()
    {
        Should.Throw<OnnxRuntimeException>(() => SequenceOnnxModel.Load("not a model"u8.ToArray()));
    }

    [Fact]
    public void Inputs_of_the_wrong_length_are_refused_before_the_runtime_reads_them()
    {
        using var model = SequenceOnnxModel.Load(File.ReadAllBytes(ModelPath));

        Should.Throw<ArgumentException>(() => model.Score(new float[2 * PairFeatures.Count], new float[PairSequence.Length], 2, new float[2]));
    }
}
