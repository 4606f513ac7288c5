using System.Globalization;
using Demand.Core.Identifiers;
using Demand.Core.Ingestion;
using Demand.Core.Storage;

namespace Demand.Core.Scoring;

/// <summary>
/// A merchant's daily parts read back for training: at most <c>maxHistoryDays</c> before the newest day, shoppers sampled by
/// a stable hash to about <c>maxShoppers</c> (all of a shopper's events or none), days before the run's earliest cutoff
/// merged into one aggregate as they are read — so memory follows the sampled shoppers, not the length of the log.
/// </summary>
public sealed record TrainingHistory(TrainingSet Logs, DateOnly HistoryEnd, double Keep, long Shoppers, int DailyParts, int OtherParts)
{
    /// <summary>Parts whose name is not under a <c>yyyy-MM-dd/</c> folder are counted in <see cref="OtherParts"/> and left out.</summary>
    /// <remarks>With no daily part, <see cref="DailyParts"/> is 0, the set is empty and the history ends at <see cref="DateOnly.MinValue"/>.</remarks>
    public static async Task<TrainingHistory> LoadAsync(
        ILogArchive archive, MerchantId merchantId, LogMapping mapping, long shoppers, int maxShoppers, int maxHistoryDays, MerchantTrainingOptions options, CancellationToken cancellationToken)
    {
        var names = await archive.ListAsync(merchantId, cancellationToken);
        var parts = new List<(string Name, DateOnly Day)>();
        foreach (var name in names)
        {
            if (name.Length >= 11 && name[10] == '/' && DateOnly.TryParseExact(name[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                parts.Add((name, day));
            }
        }

        if (parts.Count == 0)
        {
            return new TrainingHistory(new TrainingSet(), DateOnly.MinValue, 1.0, shoppers, 0, names.Count);
        }

        var historyEnd = parts.Max(p => p.Day).AddDays(1);
        var from = historyEnd.AddDays(-maxHistoryDays);
        var keep = shoppers <= maxShoppers ? 1.0 : maxShoppers / (double)shoppers;
        var logs = new TrainingSet(keep < 1 ? u => MerchantTraining.StableFraction(u) < keep : null) { CollapseBefore = options.EarliestCutoff(historyEnd) };
        foreach (var (name, day) in parts.Where(p => p.Day >= from))
        {
            logs.AddPart(day, merchantId, await archive.ReadAsync(merchantId, name, cancellationToken), mapping);
        }

        return new TrainingHistory(logs, historyEnd, keep, shoppers, parts.Count, names.Count - parts.Count);
    }
}
