using Demand.Core.Identifiers;
using Demand.Core.Events;
using Demand.Core.Features;
using Demand.Core.Ingestion;

namespace Demand.Core.Scoring;

/// <summary>Labelled pairs at one cutoff: features as of the cutoff, label = purchase in the category within the horizon.</summary>
public sealed class CutoffSet
{
    public required DateOnly Cutoff { get; init; }
    public required MerchantStats Stats { get; init; }
    public List<float[]> Rows { get; } = [];
    public List<bool> Labels { get; } = [];
    public List<int> UserIndex { get; } = [];
    public List<string> Categories { get; } = [];

    /// <summary>Per evaluated user: the categories bought within the horizon (all of them, candidates or not).</summary>
    public List<(UserFeatures User, HashSet<string> Bought)> Users { get; } = [];

    /// <summary>Several cutoffs as one set (a shopper at two cutoffs counts twice): a back-test over several weeks.</summary>
    public static CutoffSet Concat(IReadOnlyList<CutoffSet> sets)
    {
        var all = new CutoffSet { Cutoff = sets[^1].Cutoff, Stats = sets[^1].Stats };
        foreach (var set in sets)
        {
            var offset = all.Users.Count;
            all.Users.AddRange(set.Users);
            all.Rows.AddRange(set.Rows);
            all.Labels.AddRange(set.Labels);
            all.Categories.AddRange(set.Categories);
            all.UserIndex.AddRange(set.UserIndex.Select(u => u + offset));
        }

        return all;
    }
}

/// <summary>
/// Builds training and evaluation data from daily log parts with the same ingestion and feature code that
/// serves in production: parts before a cutoff become feature state, parts in the horizon become labels.
/// </summary>
/// <param name="includeUser">Shoppers to keep (a stable sample bounds memory for large merchants); all when null.</param>
public sealed class TrainingSet(Func<string, bool>? includeUser = null)
{
    private readonly SortedDictionary<DateOnly, IReadOnlyDictionary<string, UserFeatures>> _days = [];

    /// <summary>Adds one day's log part (any layout the mapping reads).</summary>
    public void AddPart(DateOnly day, MerchantId merchantId, ReadOnlyMemory<byte> content, LogMapping mapping)
    {
        // The app's own validation (age limit widened only by the mapping's notBefore), so evaluation sees what serving would.
        // Shoppers outside the sample are dropped by the ingestor itself, before it builds any state for them.
        var outcome = new LogIngestor(mapping, now: DateTimeOffset.UtcNow) { SampleUsers = includeUser }.Ingest(merchantId, day.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture), day.ToString("O", System.Globalization.CultureInfo.InvariantCulture), content);
        Accepted += outcome.Report.Accepted;
        Rejected += outcome.Report.Rejected;
        var users = outcome.Users;
        if (users.Count == 0)
        {
            return;
        }

        if (day < CollapseBefore && _days.Count > 0 && _days.Keys.First() is var baseDay && baseDay < CollapseBefore)
        {
            // Only history for every cutoff: one aggregate per shopper instead of one per day (merging is order-free arithmetic).
            var merged = Combine(_days[baseDay], users);
            _days.Remove(baseDay);
            _days[day < baseDay ? day : baseDay] = merged;
            return;
        }

        _days[day] = _days.TryGetValue(day, out var existing) ? Combine(existing, users) : users;
    }

    /// <summary>
    /// Days before this one are merged into a single aggregate as they arrive (keyed by the earliest of them): a
    /// training run needs them only as history before its earliest cutoff, and one aggregate per shopper instead of one
    /// per shopper and day bounds memory by the number of shoppers, not the length of the log.
    /// </summary>
    public DateOnly? CollapseBefore { get; init; }

    /// <summary>Accepted events of the shoppers kept (a sample's other shoppers are not counted).</summary>
    public long Accepted { get; private set; }

    public long Rejected { get; private set; }

    public IReadOnlyCollection<DateOnly> Days => _days.Keys;

    /// <summary>One shopper's activity in the daily part(s) of <paramref name="day"/>; null when they have none that day.</summary>
    /// <exception cref="InvalidOperationException">The day was merged into the aggregate of <see cref="CollapseBefore"/>.</exception>
    public UserFeatures? Activity(DateOnly day, string userId)
    {
        if (day < CollapseBefore)
        {
            throw new InvalidOperationException($"Days before {CollapseBefore:yyyy-MM-dd} are merged into one aggregate: no per-day activity for {day:yyyy-MM-dd}.");
        }

        return _days.TryGetValue(day, out var users) ? users.GetValueOrDefault(userId) : null;
    }

    /// <summary>Pairs for each cutoff (features from days before it, labels from <paramref name="horizonDays"/> days from it).</summary>
    /// <param name="labelsBefore">Days from this one on are never labels (a back-test inside a history that ends there).</param>
    /// <param name="keepFeatures">
    /// When false, <see cref="CutoffSet.Users"/> carries only each shopper's id (with what they bought), and one running
    /// state is carried from cutoff to cutoff instead of a full copy of every shopper's features per cutoff: training
    /// needs the rows, labels and buyers, and this keeps its memory to one state however many cutoffs it uses.
    /// </param>
    public List<CutoffSet> Build(string merchantId, IEnumerable<DateOnly> cutoffs, int horizonDays = 7, DateOnly? labelsBefore = null, int activeDays = 30, bool keepFeatures = true)
    {
        var result = new List<CutoffSet>();
        var state = new Dictionary<string, UserFeatures>(StringComparer.Ordinal);
        var merged = DateOnly.MinValue;
        foreach (var cutoff in cutoffs.Order())
        {
            if (keepFeatures)
            {
                state = new Dictionary<string, UserFeatures>(StringComparer.Ordinal);
                merged = DateOnly.MinValue;
            }

            foreach (var (day, users) in _days)
            {
                if (day >= cutoff)
                {
                    break;
                }

                // Merging is order-free arithmetic, so the running state adds only the days since the previous cutoff.
                if (day < merged)
                {
                    continue;
                }

                foreach (var (userId, partial) in users)
                {
                    if (!state.TryGetValue(userId, out var s))
                    {
                        s = UserFeatures.Create(merchantId, userId);
                        state[userId] = s;
                    }

                    s.Merge(partial);
                }
            }

            merged = cutoff;

            // As of the data time (the newest event before the cutoff), as the app scores; not the cutoff's midnight.
            var asOf = MerchantStats.DataTime(state.Values);
            if (asOf == 0)
            {
                asOf = new DateTimeOffset(cutoff.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds();
            }

            var bought = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (var (day, users) in _days)
            {
                if (day < cutoff || day >= cutoff.AddDays(horizonDays) || day >= labelsBefore)
                {
                    continue;
                }

                foreach (var (userId, partial) in users)
                {
                    foreach (var (category, activity) in partial.Categories)
                    {
                        if (activity.Counts[(int)EventType.Purchase] > 0)
                        {
                            (bought.TryGetValue(userId, out var categories) ? categories : bought[userId] = new HashSet<string>(StringComparer.Ordinal)).Add(category);
                        }
                    }
                }
            }

            var stats = MerchantStats.Build(merchantId, state.Values, asOf);
            var set = new CutoffSet { Cutoff = cutoff, Stats = stats };
            foreach (var user in state.Values.OrderBy(u => u.UserId, StringComparer.Ordinal))
            {
                if (asOf - user.LastSeen > activeDays * 86_400L)
                {
                    continue;
                }

                var positives = bought.GetValueOrDefault(user.UserId) ?? new HashSet<string>(StringComparer.Ordinal);
                set.Users.Add((keepFeatures ? user : UserFeatures.Create(merchantId, user.UserId), positives));
                var activity = PairFeatures.UserActivity(user, asOf);
                foreach (var pair in PairFeatures.Candidates(user, stats))
                {
                    var row = new float[PairFeatures.Count];
                    PairFeatures.Compute(user, pair, stats, asOf, row, activity);
                    set.Rows.Add(row);
                    set.Labels.Add(positives.Contains(pair.CategoryId));
                    set.UserIndex.Add(set.Users.Count - 1);
                    set.Categories.Add(pair.CategoryId);
                }
            }

            result.Add(set);
        }

        return result;
    }

    private static Dictionary<string, UserFeatures> Combine(IReadOnlyDictionary<string, UserFeatures> a, IReadOnlyDictionary<string, UserFeatures> b)
    {
        var merged = a.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        foreach (var (userId, partial) in b)
        {
            if (merged.TryGetValue(userId, out var existing))
            {
                existing.Merge(partial);
            }
            else
            {
                merged[userId] = partial;
            }
        }

        return merged;
    }
}
