using Demand.Core.Scoring;
using Demand.Infrastructure.Mining.Learned;
using Demand.Infrastructure.Onnx;

namespace Demand.Infrastructure.Tests.Onnx;

/// <summary>Our int8 rewrite of constant-weight MatMuls, run by the real ONNX Runtime against the float model it came from.</summary>
public sealed class OnnxInt8QuantizerTests
{
    [Fact]
    public void A_quantised_model_keeps_its_metadata_and_scores_close_to_the_float_model()
    {
        var random = new Random(11);
        var ranker = new LinearRanker
        {
            Name = "test",
            Weights = [.. Enumerable.Range(0, PairExpansion.Count).Select(_ => (random.NextDouble() - 0.5) * 0.6)],
            Bias = -1.3,
        };
        var rows = 300;
        var features = new float[rows * PairFeatures.Count];
        for (var i = 0; i < features.Length; i++)
        {
            features[i] = (float)random.NextDouble() * 3;
        }

        var exported = LinearOnnxExporter.Export(ranker, "merchant-logistic-test");
        var (quantised, rewritten) = OnnxInt8Quantizer.Quantize(exported);
        using var original = OnnxModel.Load(exported, PairFeatures.Names, PairFeatures.Version);
        using var model = OnnxModel.Load(quantised, PairFeatures.Names, PairFeatures.Version);
        var expected = new float[rows];
        var actual = new float[rows];
        original.Score(features, rows, expected);
        model.Score(features, rows, actual);

        rewritten.ShouldBe(2, "the interaction sums and the weights are the graph's two constant-weight MatMuls");
        model.Version.ShouldBe("merchant-logistic-test");
        expected.Distinct().Count().ShouldBeGreaterThan(rows / 2);
        actual.ShouldNotBe(expected, "the int8 path ran: its rounding shows");
        for (var r = 0; r < rows; r++)
        {
            actual[r].ShouldBe(expected[r], 0.02f);
        }
    }

    [Fact]
    public void The_int8_encoder_gives_nearly_the_same_hidden_states_as_the_float_encoder()
    {
        var folder = MiniLmEncoder.DefaultFolder;
        var (quantised, rewritten) = OnnxInt8Quantizer.Quantize(File.ReadAllBytes(Path.Combine(folder, "model.onnx")));
        rewritten.ShouldBe(36, "six layers × (Q, K, V, attention output, two feed-forward)");
        quantised.Length.ShouldBeLessThan((int)(new FileInfo(Path.Combine(folder, "model.onnx")).Length * 0.7));

        using var int8 = new MiniLmEncoder(folder, int8: true);
        using var full = new MiniLmEncoder(folder);
        string[] texts = ["The battery only lasts 3 hours.", "Great food, but the waiter ignored us for twenty minutes.", "The keyboard is not bad."];
        var pieces = texts.Select(t => (IReadOnlyList<WordPiece>)full.Tokenizer.Tokenize(t)).ToList();
        var a = int8.Encode(pieces);
        var b = full.Encode(pieces);

        (int8.Precision, full.Precision).ShouldBe(("int8", "float"));
        for (var s = 0; s < texts.Length; s++)
        {
            a[s].Hidden.Length.ShouldBe(b[s].Hidden.Length);
            a[s].Hidden.ShouldNotBe(b[s].Hidden);
            for (var p = 0; p < a[s].Pieces.Count; p++)
            {
                var x = a[s].Hidden.AsSpan(p * MiniLmEncoder.Dimensions, MiniLmEncoder.Dimensions);
                var y = b[s].Hidden.AsSpan(p * MiniLmEncoder.Dimensions, MiniLmEncoder.Dimensions);
                System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(x, y).ShouldBeGreaterThan(0.97f, $"{texts[s]} piece {p}");
            }
        }
    }
}
