namespace Demand.Core.Features;

/// <summary>Half-lives of the decayed activity counters. Changing them changes the feature-list version.</summary>
public static class HalfLives
{
    public static ReadOnlySpan<double> Days => [1.0, 7.0, 30.0];

    public const int Count = 3;

    /// <summary>2^(-Δt/h): the weight an event Δt seconds old keeps under half-life h days.</summary>
    public static double Decay(long deltaSeconds, int halfLifeIndex) =>
        Math.Exp(-Ln2 * deltaSeconds / (Days[halfLifeIndex] * 86_400.0));

    private const double Ln2 = 0.693147180559945309417;
}
