using Demand.Core.Events;

namespace Demand.Core.Features;

/// <summary>
/// A user's activity in one category. Decayed counters are expressed at the category's own
/// <see cref="ReferenceTime"/>, so events can be added in any order (late data included): the arithmetic,
/// not sorting, makes the result order-independent, and an event only ever rescales its own category.
/// </summary>
public sealed class CategoryActivity
{
    public const int MaxPurchaseTimes = 12;

    /// <summary>Decayed counts, index <c>type * HalfLives.Count + halfLife</c>.</summary>
    public double[] Decayed { get; set; } = new double[EventTypes.Count * HalfLives.Count];

    /// <summary>Lifetime counts per event type.</summary>
    public long[] Counts { get; set; } = new long[EventTypes.Count];

    /// <summary>Last event time per type, unix seconds (0 = never).</summary>
    public long[] LastAt { get; set; } = new long[EventTypes.Count];

    /// <summary>The most recent purchase times (unix seconds, ascending, distinct days), for repurchase intervals.</summary>
    public List<long> PurchaseTimes { get; set; } = [];

    public double RatingSum { get; set; }

    public int RatingCount { get; set; }

    public double Spend { get; set; }

    /// <summary>Unix seconds at which this category's decayed counters are expressed.</summary>
    public long ReferenceTime { get; set; }

    public static int Index(EventType type, int halfLife) => ((int)type * HalfLives.Count) + halfLife;

    /// <summary>Moves the reference time forward to <paramref name="unixSeconds"/>, decaying the counters.</summary>
    internal void AdvanceTo(long unixSeconds)
    {
        if (unixSeconds <= ReferenceTime)
        {
            return;
        }

        if (ReferenceTime != 0)
        {
            Rescale(unixSeconds - ReferenceTime);
        }

        ReferenceTime = unixSeconds;
    }

    internal void Rescale(long deltaSeconds)
    {
        if (deltaSeconds == 0)
        {
            return;
        }

        Span<double> factors = stackalloc double[HalfLives.Count];
        for (var h = 0; h < HalfLives.Count; h++)
        {
            factors[h] = HalfLives.Decay(deltaSeconds, h);
        }

        var decayed = Decayed.AsSpan();
        for (var i = 0; i + HalfLives.Count <= decayed.Length; i += HalfLives.Count)
        {
            // A user touches few of the event types in a category: zero counters stay zero, skip them.
            if (!decayed.Slice(i, HalfLives.Count).ContainsAnyExcept(0.0))
            {
                continue;
            }

            for (var h = 0; h < HalfLives.Count; h++)
            {
                decayed[i + h] *= factors[h];
            }
        }
    }

    internal void AddPurchaseTime(long unixSeconds)
    {
        // One entry per day: several line items in one order are one purchase occasion.
        var day = unixSeconds / 86_400;
        foreach (var t in PurchaseTimes)
        {
            if (t / 86_400 == day)
            {
                return;
            }
        }

        var at = PurchaseTimes.BinarySearch(unixSeconds);
        PurchaseTimes.Insert(at < 0 ? ~at : at, unixSeconds);
        if (PurchaseTimes.Count > MaxPurchaseTimes)
        {
            PurchaseTimes.RemoveAt(0);
        }
    }
}
