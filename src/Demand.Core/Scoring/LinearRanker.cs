namespace Demand.Core.Scoring;

/// <summary>
/// p = σ(w · <see cref="PairExpansion"/>(row) + b): a calibrated baseline (w = a × a fixed direction) or the
/// per-merchant learned model (w fitted by L2-regularised logistic regression). Pure arithmetic; serving runs the same
/// weights exported to ONNX.
/// </summary>
public sealed class LinearRanker
{
    public required string Name { get; init; }

    /// <summary>Weights over <see cref="PairExpansion.Count"/> inputs.</summary>
    public required double[] Weights { get; init; }

    public required double Bias { get; init; }

    public void Score(ReadOnlySpan<float> features, int rows, Span<float> probabilities)
    {
        Span<double> e = stackalloc double[PairExpansion.Count];
        for (var r = 0; r < rows; r++)
        {
            PairExpansion.Expand(features.Slice(r * PairFeatures.Count, PairFeatures.Count), e);
            var z = Bias;
            for (var i = 0; i < e.Length; i++)
            {
                z += Weights[i] * e[i];
            }

            probabilities[r] = (float)Sigmoid(z);
        }
    }

    /// <summary>The baselines' fixed directions; <see cref="Calibrate"/> turns each into probabilities.</summary>
    public static IReadOnlyList<(string Name, double[] Direction)> Baselines { get; } =
    [
        ("baseline: popularity", Direction((17, 1.0))),
        ("baseline: most-interacted", Direction((PairExpansion.MostInteracted, 1.0))),
        ("baseline: recency-frequency", Direction((PairExpansion.RecencyFrequency, 1.0))),
        // Bought before, ranked by how due it is: days since the purchase over the shopper's own and the merchant's cycle, capped at 1.
        ("baseline: repurchase-cycle", Direction((PairExpansion.Capped(12), 1.0), (PairExpansion.Capped(13), 1.0), (PairExpansion.Capped(14), 1.0), (PairExpansion.Capped(9), 0.01))),
    ];

    /// <summary>Fits p = σ(a · (d · x) + b) on labelled rows (one-dimensional logistic regression by Newton steps).</summary>
    public static LinearRanker Calibrate(string name, double[] direction, TrainingRows data)
    {
        var s = new double[data.Count];
        for (var r = 0; r < data.Count; r++)
        {
            s[r] = Dot(direction, data.Expanded(r));
        }

        double a = 0, b = 0;
        for (var iteration = 0; iteration < 50; iteration++)
        {
            double ga = 0, gb = 0, haa = 1e-6, hab = 0, hbb = 1e-6;
            for (var r = 0; r < s.Length; r++)
            {
                var p = Sigmoid((a * s[r]) + b);
                var err = p - (data.Labels[r] ? 1 : 0);
                var w = p * (1 - p);
                ga += err * s[r];
                gb += err;
                haa += w * s[r] * s[r];
                hab += w * s[r];
                hbb += w;
            }

            var det = (haa * hbb) - (hab * hab);
            if (det <= 0)
            {
                break;
            }

            var da = ((hbb * ga) - (hab * gb)) / det;
            var db = ((haa * gb) - (hab * ga)) / det;
            a -= da;
            b -= db;
            if (Math.Abs(da) + Math.Abs(db) < 1e-7)
            {
                break;
            }
        }

        // A direction that anti-correlates with purchases on this merchant would flip: a baseline keeps its own order.
        a = Math.Max(a, 1e-6);
        return new LinearRanker { Name = name, Weights = [.. direction.Select(d => d * a)], Bias = b };
    }

    /// <summary>L2-regularised logistic regression over all expanded inputs (standardised, Adam, full batch).</summary>
    public static LinearRanker Fit(string name, TrainingRows data, int iterations = 300, double l2 = 1e-3)
    {
        var n = PairExpansion.Count;
        var mean = new double[n];
        var scale = new double[n];
        for (var r = 0; r < data.Count; r++)
        {
            var e = data.Expanded(r);
            for (var i = 0; i < n; i++)
            {
                mean[i] += e[i];
                scale[i] += e[i] * e[i];
            }
        }

        for (var i = 0; i < n; i++)
        {
            mean[i] /= Math.Max(1, data.Count);
            var variance = (scale[i] / Math.Max(1, data.Count)) - (mean[i] * mean[i]);
            scale[i] = variance > 1e-12 ? 1 / Math.Sqrt(variance) : 0;
        }

        var positives = data.Labels.Count(l => l);
        var prior = Math.Clamp((positives + 1.0) / (data.Count + 2.0), 1e-4, 1 - 1e-4);
        var w = new double[n];
        var b = Math.Log(prior / (1 - prior));
        var m = new double[n + 1];
        var v = new double[n + 1];
        var grad = new double[n + 1];
        const double Rate = 0.05, Beta1 = 0.9, Beta2 = 0.999;
        for (var t = 1; t <= iterations; t++)
        {
            Array.Clear(grad);
            for (var r = 0; r < data.Count; r++)
            {
                var e = data.Expanded(r);
                var z = b;
                for (var i = 0; i < n; i++)
                {
                    z += w[i] * (e[i] - mean[i]) * scale[i];
                }

                var err = Sigmoid(z) - (data.Labels[r] ? 1 : 0);
                for (var i = 0; i < n; i++)
                {
                    grad[i] += err * (e[i] - mean[i]) * scale[i];
                }

                grad[n] += err;
            }

            for (var i = 0; i <= n; i++)
            {
                var g = (grad[i] / Math.Max(1, data.Count)) + (i < n ? l2 * w[i] : 0);
                m[i] = (Beta1 * m[i]) + ((1 - Beta1) * g);
                v[i] = (Beta2 * v[i]) + ((1 - Beta2) * g * g);
                var step = Rate * (m[i] / (1 - Math.Pow(Beta1, t))) / (Math.Sqrt(v[i] / (1 - Math.Pow(Beta2, t))) + 1e-8);
                if (i < n)
                {
                    w[i] -= step;
                }
                else
                {
                    b -= step;
                }
            }
        }

        // Fold the standardisation into the weights: the exported graph takes raw expanded inputs.
        var weights = new double[n];
        var bias = b;
        for (var i = 0; i < n; i++)
        {
            weights[i] = w[i] * scale[i];
            bias -= w[i] * scale[i] * mean[i];
        }

        return new LinearRanker { Name = name, Weights = weights, Bias = bias };
    }

    private static double[] Direction(params (int Index, double Weight)[] terms)
    {
        var d = new double[PairExpansion.Count];
        foreach (var (index, weight) in terms)
        {
            d[index] = weight;
        }

        return d;
    }

    private static double Dot(double[] a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
}

/// <summary>Labelled pairs, expanded once (<see cref="PairExpansion"/>), for fitting the linear rankers.</summary>
public sealed class TrainingRows
{
    private readonly double[] _expanded;

    public TrainingRows(IReadOnlyList<float[]> rows, IReadOnlyList<bool> labels)
    {
        Count = rows.Count;
        Labels = labels;
        _expanded = new double[rows.Count * PairExpansion.Count];
        for (var r = 0; r < rows.Count; r++)
        {
            PairExpansion.Expand(rows[r], _expanded.AsSpan(r * PairExpansion.Count, PairExpansion.Count));
        }
    }

    public int Count { get; }

    public IReadOnlyList<bool> Labels { get; }

    public ReadOnlySpan<double> Expanded(int row) => _expanded.AsSpan(row * PairExpansion.Count, PairExpansion.Count);
}
