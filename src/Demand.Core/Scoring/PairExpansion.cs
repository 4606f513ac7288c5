namespace Demand.Core.Scoring;

/// <summary>
/// The inputs of the per-merchant linear rankers, derived from a <see cref="PairFeatures"/> row: the row itself,
/// log(1 + max(x, 0)) of each feature, min(x, 1) of each feature, and log(1 + Σ) of the two interaction sums the
/// baselines rank by. Every baseline is a fixed direction in this space and the learned model a weight vector over
/// it, so all of them export to one small ONNX graph (<c>LinearOnnxExporter</c>) and serve on ONNX Runtime.
/// </summary>
public static class PairExpansion
{
    public const int Blocks = 3;

    public static readonly int Count = (Blocks * PairFeatures.Count) + 2;

    /// <summary>Index of log(1 + "most interacted": 30-day views, wishlist, purchases; 7-day carts, searches).</summary>
    public static readonly int MostInteracted = Blocks * PairFeatures.Count;

    /// <summary>Index of log(1 + "recency-frequency": 1- and 7-day views, carts, searches, 7-day purchases).</summary>
    public static readonly int RecencyFrequency = MostInteracted + 1;

    /// <summary>Features summed by the two interaction sums (indexes into the <see cref="PairFeatures"/> row).</summary>
    public static IReadOnlyList<int[]> Sums { get; } = [[2, 3, 5, 7, 9], [0, 1, 3, 4, 5, 8]];

    public static void Expand(ReadOnlySpan<float> row, Span<double> expanded)
    {
        var n = PairFeatures.Count;
        for (var i = 0; i < n; i++)
        {
            double x = row[i];
            expanded[i] = x;
            expanded[n + i] = Math.Log(1 + Math.Max(x, 0));
            expanded[(2 * n) + i] = Math.Min(x, 1);
        }

        for (var s = 0; s < Sums.Count; s++)
        {
            double sum = 0;
            foreach (var f in Sums[s])
            {
                sum += Math.Max(row[f], 0f);
            }

            expanded[MostInteracted + s] = Math.Log(1 + sum);
        }
    }

    /// <summary>Index of min(feature, 1) of a <see cref="PairFeatures"/> feature.</summary>
    public static int Capped(int feature) => (2 * PairFeatures.Count) + feature;
}
