using Demand.Core.Events;
using Demand.Core.Features;

namespace Demand.Core.Scoring;

/// <summary>
/// The daily event sequence of a (shopper, candidate category) pair, the input of the sequence challenger next to the
/// <see cref="PairFeatures"/> row: for each of the <see cref="Days"/> days before the cutoff (oldest first, days without
/// data zero, so a short history is zero-padded at the start), log(1 + count) of the category's views, searches, cart
/// adds, cart removals, wishlist adds and purchases, and of the shopper's events and purchases in any category that day.
/// Counts, not category ids: category ids are the merchant's own, so a model over them would not transfer across
/// merchants. One implementation serves export and evaluation; changing anything here changes <see cref="Version"/>.
/// </summary>
public static class PairSequence
{
    public const string Version = "seq28-v1";

    public const int Days = 28;

    public static IReadOnlyList<string> ChannelNames { get; } =
    [
        "category_views", "category_searches", "category_carts", "category_cart_removals", "category_wishlist",
        "category_purchases", "shopper_events", "shopper_purchases",
    ];

    public static int Channels => ChannelNames.Count;

    /// <summary>Floats per pair: <see cref="Days"/> × <see cref="Channels"/>, day-major.</summary>
    public static int Length => Days * Channels;

    /// <summary>The input version a sequence model declares: the pair features' version and this one.</summary>
    public static string InputVersion => PairFeatures.Version + "+" + Version;

    private static readonly EventType[] CategoryChannels =
        [EventType.View, EventType.Search, EventType.CartAdd, EventType.CartRemove, EventType.Wishlist, EventType.Purchase];

    /// <summary>Writes one pair's sequence into <paramref name="output"/> (length <see cref="Length"/>).</summary>
    /// <param name="days">The shopper's activity on each of the <see cref="Days"/> days before the cutoff, oldest first; null for a day without events.</param>
    public static void Write(IReadOnlyList<UserFeatures?> days, string categoryId, Span<float> output)
    {
        if (days.Count != Days || output.Length != Length)
        {
            throw new ArgumentException($"Expected {Days} days and room for {Length} values.");
        }

        output.Clear();
        for (var d = 0; d < Days; d++)
        {
            if (days[d] is not { } day)
            {
                continue;
            }

            var row = output.Slice(d * Channels, Channels);
            if (day.Categories.TryGetValue(categoryId, out var activity))
            {
                for (var c = 0; c < CategoryChannels.Length; c++)
                {
                    row[c] = Log1p(activity.Counts[(int)CategoryChannels[c]]);
                }
            }

            long purchases = 0;
            foreach (var a in day.Categories.Values)
            {
                purchases += a.Counts[(int)EventType.Purchase];
            }

            row[6] = Log1p(day.EventCount);
            row[7] = Log1p(purchases);
        }
    }

    /// <summary>The sequences of every pair of <paramref name="data"/> (row order), from the daily parts of <paramref name="logs"/>.</summary>
    public static float[] Build(TrainingSet logs, CutoffSet data)
    {
        var output = new float[data.Rows.Count * Length];
        var days = new UserFeatures?[Days];
        var current = -1;
        for (var i = 0; i < data.Rows.Count; i++)
        {
            // Rows of one shopper are contiguous: their days are looked up once.
            if (data.UserIndex[i] != current)
            {
                current = data.UserIndex[i];
                var userId = data.Users[current].User.UserId;
                for (var d = 0; d < Days; d++)
                {
                    days[d] = logs.Activity(data.Cutoff.AddDays(d - Days), userId);
                }
            }

            Write(days, data.Categories[i], output.AsSpan(i * Length, Length));
        }

        return output;
    }

    private static float Log1p(long count) => (float)Math.Log(1 + count);
}
