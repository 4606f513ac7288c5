using Demand.Core.Scoring;
using Demand.Infrastructure.Onnx;

namespace Demand.Infrastructure.Tests.Onnx;

/// <summary>Per-merchant linear rankers exported by our own protobuf writer, run by the real ONNX Runtime.</summary>
public sealed class LinearOnnxExporterTests
{
    [Fact]
    public void An_exported_linear_ranker_scores_in_onnx_runtime_as_it_does_in_csharp()
    {
        var random = new Random(7);
        var ranker = new LinearRanker
        {
            Name = "test",
            Weights = [.. Enumerable.Range(0, PairExpansion.Count).Select(_ => (random.NextDouble() - 0.5) * 0.6)],
            Bias = -1.3,
        };
        var rows = 200;
        var features = new float[rows * PairFeatures.Count];
        for (var i = 0; i < features.Length; i++)
        {
            // Zeros, negatives (clamped by the expansion), fractions and large counts.
            features[i] = (i % 7) switch { 0 => 0f, 1 => -0.5f, 2 => 40f * (float)random.NextDouble(), _ => (float)random.NextDouble() * 3 };
        }

        using var model = OnnxModel.Load(LinearOnnxExporter.Export(ranker, "merchant-logistic-test"), PairFeatures.Names, PairFeatures.Version);
        var onnx = new float[rows];
        var csharp = new float[rows];
        model.Score(features, rows, onnx);
        ranker.Score(features, rows, csharp);

        model.Version.ShouldBe("merchant-logistic-test");
        csharp.Distinct().Count().ShouldBeGreaterThan(rows / 2, "the rows differ, so the comparison covers the weights");
        for (var r = 0; r < rows; r++)
        {
            onnx[r].ShouldBe(csharp[r], 2e-5f);
        }
    }
}
