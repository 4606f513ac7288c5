using Demand.Tooling;
using System.Text.Json;
using Demand.Core.Scoring;
using Demand.Infrastructure.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Demand.Infrastructure.Tests.Onnx;

/// <summary>The shipped model through the real ONNX Runtime native library.</summary>
public sealed class OnnxModelTests
{
    private static string ModelPath => Path.Combine(RepoPaths.RepositoryRoot()!, "models", "demand-mlp.onnx");

    private static OnnxModel Load() => OnnxModel.Load(File.ReadAllBytes(ModelPath), PairFeatures.Names, PairFeatures.Version);

    private sealed record Fixture(string[] FeatureNames, float[][] Inputs, double[] Expected);

    [Fact]
    public void Scores_from_the_csharp_runtime_equal_pytorch_on_the_parity_fixture()
    {
        var fixture = JsonSerializer.Deserialize<Fixture>(File.ReadAllText(Path.ChangeExtension(ModelPath, ".parity.json")), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        using var model = Load();
        var input = fixture.Inputs.SelectMany(r => r).ToArray();
        var output = new float[fixture.Inputs.Length];

        model.Score(input, fixture.Inputs.Length, output);

        fixture.Inputs.Length.ShouldBeGreaterThan(10);
        for (var i = 0; i < output.Length; i++)
        {
            ((double)output[i]).ShouldBe(fixture.Expected[i], tolerance: 1e-5);
        }
    }

    [Fact]
    public void The_model_carries_its_feature_list_version_and_metrics()
    {
        using var model = Load();

        model.FeatureNames.ShouldBe(PairFeatures.Names);
        model.Version.ShouldStartWith("demand-mlp");
        model.Metadata.Keys.ShouldContain("metrics");
        OnnxModel.RuntimeVersion.ShouldStartWith("1.31");
    }

    [Fact]
    public void A_model_trained_on_another_feature_list_is_refused_naming_the_mismatch()
    {
        var renamed = PairFeatures.Names.Select(n => n == "trend" ? "trend_v2" : n).ToList();

        var error = Should.Throw<ModelMismatchException>(() => OnnxModel.Load(File.ReadAllBytes(ModelPath), renamed, PairFeatures.Version));

        error.Message.ShouldContain("missing: trend_v2");
        error.Message.ShouldContain("unexpected: trend");
        Should.Throw<ModelMismatchException>(() => OnnxModel.Load(File.ReadAllBytes(ModelPath), PairFeatures.Names, "pairs-v0")).Message.ShouldContain("pairs-v0");
    }

    [Fact]
    public void Bytes_that_are_not_an_onnx_model_are_refused_by_the_runtime()
    {
        Should.Throw<OnnxRuntimeException>(() => OnnxModel.Load("not a model"u8.ToArray(), PairFeatures.Names, PairFeatures.Version));
    }

    [Fact]
    public void A_batch_is_scored_in_place_without_allocating_per_row()
    {
        using var model = Load();
        var rows = 4_096;
        var input = new float[rows * PairFeatures.Count];
        var output = new float[rows];
        model.Score(input, rows, output);

        var before = GC.GetAllocatedBytesForCurrentThread();
        model.Score(input, rows, output);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // A few small objects per call (two OrtValue wrappers, shapes, the name lists), never anything per row.
        allocated.ShouldBeLessThan(4_096);
    }

    [Fact]
    public async Task Concurrent_batched_runs_on_one_session_give_the_same_answers_as_sequential_runs()
    {
        using var model = Load();
        var random = new Random(5);
        var batches = Enumerable.Range(0, 16).Select(_ => Enumerable.Range(0, 257 * PairFeatures.Count).Select(_ => (float)random.NextDouble() * 3).ToArray()).ToList();
        var sequential = batches.Select(b =>
        {
            var o = new float[257];
            model.Score(b, 257, o);
            return o;
        }).ToList();

        var concurrent = await Task.WhenAll(batches.Select(b => Task.Run(() =>
        {
            var o = new float[257];
            model.Score(b, 257, o);
            return o;
        })));

        for (var i = 0; i < batches.Count; i++)
        {
            concurrent[i].ShouldBe(sequential[i]);
        }
    }
}
