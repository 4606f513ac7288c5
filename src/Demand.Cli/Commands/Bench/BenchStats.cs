using System.Diagnostics;

namespace Demand.Cli.Commands.Bench;

/// <summary>Latency percentiles from a set of samples.</summary>
internal static class BenchStats
{
    public static double Percentile(List<double> samples, double p)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        samples.Sort();
        var index = (int)Math.Ceiling(p / 100.0 * samples.Count) - 1;
        return samples[Math.Clamp(index, 0, samples.Count - 1)];
    }

    public static double ElapsedMicroseconds(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalMicroseconds;
}
