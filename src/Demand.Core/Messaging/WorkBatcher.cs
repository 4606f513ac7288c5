using System.Text.Json;

namespace Demand.Core.Messaging;

/// <summary>Splits work into queue messages that respect the queue's size limit.</summary>
public static class WorkBatcher
{
    /// <summary>Score requests of at most <see cref="ScoreRequest.MaxUsers"/> users and under <see cref="QueueLimits.MaxMessageBytes"/>.</summary>
    public static IReadOnlyList<ScoreRequest> ScoreRequests(string merchantId, IEnumerable<string> userIds, ScoreCause cause, string? partId, DateTimeOffset asOf)
    {
        var messages = new List<ScoreRequest>();
        var batch = new List<string>();
        var bytes = 256 + (partId?.Length ?? 0) + merchantId.Length;
        foreach (var user in userIds)
        {
            var size = JsonEncodedLength(user) + 1;
            if (batch.Count == ScoreRequest.MaxUsers || bytes + size > QueueLimits.MaxMessageBytes)
            {
                messages.Add(new ScoreRequest { MerchantId = merchantId, UserIds = batch, Cause = cause, PartId = partId, AsOf = asOf });
                batch = [];
                bytes = 256 + (partId?.Length ?? 0) + merchantId.Length;
            }

            batch.Add(user);
            bytes += size;
        }

        if (batch.Count > 0)
        {
            messages.Add(new ScoreRequest { MerchantId = merchantId, UserIds = batch, Cause = cause, PartId = partId, AsOf = asOf });
        }

        return messages;
    }

    /// <summary>Mine requests under <see cref="QueueLimits.MaxMessageBytes"/>; a review too large for one message is cut to fit (its text only).</summary>
    public static IReadOnlyList<MineRequest> MineRequests(string merchantId, string partId, IEnumerable<ReviewToMine> reviews)
    {
        var messages = new List<MineRequest>();
        var batch = new List<ReviewToMine>();
        var overhead = 128 + merchantId.Length + partId.Length;
        var bytes = overhead;
        foreach (var original in reviews)
        {
            var review = original;
            var size = JsonSerializer.SerializeToUtf8Bytes(review, DemandJson.Options).Length + 1;
            if (size > QueueLimits.MaxMessageBytes - overhead)
            {
                // Review text is capped by validation (8,000 characters), so this is only reachable with a custom limit.
                review = review with { Text = review.Text[..Math.Min(review.Text.Length, 4_000)] };
                size = JsonSerializer.SerializeToUtf8Bytes(review, DemandJson.Options).Length + 1;
            }

            if (batch.Count > 0 && bytes + size > QueueLimits.MaxMessageBytes)
            {
                messages.Add(new MineRequest { MerchantId = merchantId, PartId = partId, Reviews = batch });
                batch = [];
                bytes = overhead;
            }

            batch.Add(review);
            bytes += size;
        }

        if (batch.Count > 0)
        {
            messages.Add(new MineRequest { MerchantId = merchantId, PartId = partId, Reviews = batch });
        }

        return messages;
    }

    private static int JsonEncodedLength(string value) => JsonSerializer.SerializeToUtf8Bytes(value).Length;
}
