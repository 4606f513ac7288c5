using System.Text;
using System.Text.Json;
using Demand.Core.Scoring;

namespace Demand.Infrastructure.Onnx;

/// <summary>
/// Writes a <see cref="LinearRanker"/> as an ONNX model (opset 13) that <see cref="OnnxModel"/> loads like the global
/// model: input <c>features</c> [N,25], output <c>probability</c> [N,1], the same metadata. The graph computes
/// <see cref="PairExpansion"/> (Relu, Log, Min, MatMul, Concat) and σ(e·w + b), so per-merchant models serve on ONNX
/// Runtime with no Python and no converter package; the protobuf encoding is written here (a dozen message fields).
/// </summary>
public static class LinearOnnxExporter
{
    public static byte[] Export(LinearRanker ranker, string modelVersion, string metricsJson = "{}")
    {
        var n = PairFeatures.Count;
        var selection = new float[n * PairExpansion.Sums.Count];
        for (var s = 0; s < PairExpansion.Sums.Count; s++)
        {
            foreach (var f in PairExpansion.Sums[s])
            {
                selection[(f * PairExpansion.Sums.Count) + s] = 1f;
            }
        }

        var graph = new Proto();
        Node(graph, "Relu", ["features"], "relu");
        Node(graph, "Add", ["relu", "one"], "relu1");
        Node(graph, "Log", ["relu1"], "log1p");
        Node(graph, "Min", ["features", "one"], "capped");
        Node(graph, "MatMul", ["relu", "selection"], "sums");
        Node(graph, "Add", ["sums", "one"], "sums1");
        Node(graph, "Log", ["sums1"], "logsums");
        Node(graph, "Concat", ["features", "log1p", "capped", "logsums"], "expanded", axis: 1);
        Node(graph, "MatMul", ["expanded", "weights"], "logit0");
        Node(graph, "Add", ["logit0", "bias"], "logit");
        Node(graph, "Sigmoid", ["logit"], "probability");
        graph.Bytes(2, Proto.Text(ranker.Name));
        graph.Message(5, OnnxMessages.Tensor("one", [1], [1f]));
        graph.Message(5, OnnxMessages.Tensor("selection", [n, PairExpansion.Sums.Count], selection));
        graph.Message(5, OnnxMessages.Tensor("weights", [PairExpansion.Count, 1], [.. ranker.Weights.Select(w => (float)w)]));
        graph.Message(5, OnnxMessages.Tensor("bias", [1], [(float)ranker.Bias]));
        graph.Message(11, ValueInfo("features", n));
        graph.Message(12, ValueInfo("probability", 1));

        var model = new Proto();
        model.Varint(1, 7);
        model.Bytes(2, Proto.Text("demand"));
        model.Message(7, graph);
        var opset = new Proto();
        opset.Bytes(1, []);
        opset.Varint(2, 13);
        model.Message(8, opset);
        Metadata(model, "feature_names", JsonSerializer.Serialize(PairFeatures.Names));
        Metadata(model, "feature_version", PairFeatures.Version);
        Metadata(model, "model_version", modelVersion);
        Metadata(model, "metrics", metricsJson);
        Metadata(model, "data", "the merchant's own logs");
        return model.ToArray();
    }

    private static void Node(Proto graph, string op, string[] inputs, string output, long? axis = null) =>
        graph.Message(1, OnnxMessages.Node(op, inputs, [output], output, axis is { } value ? ("axis", value) : null));

    private static Proto ValueInfo(string name, int columns)
    {
        var rows = new Proto();
        rows.Bytes(2, Proto.Text("N"));
        var cols = new Proto();
        cols.Varint(1, columns);
        var shape = new Proto();
        shape.Message(1, rows);
        shape.Message(1, cols);
        var tensorType = new Proto();
        tensorType.Varint(1, 1);
        tensorType.Message(2, shape);
        var type = new Proto();
        type.Message(1, tensorType);
        var info = new Proto();
        info.Bytes(1, Proto.Text(name));
        info.Message(2, type);
        return info;
    }

    private static void Metadata(Proto model, string key, string value)
    {
        var entry = new Proto();
        entry.Bytes(1, Proto.Text(key));
        entry.Bytes(2, Proto.Text(value));
        model.Message(14, entry);
    }
}
