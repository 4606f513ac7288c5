namespace Demand.Core.Messaging;

/// <summary>Why a user batch is being scored.</summary>
public enum ScoreCause
{
    Ingest,
    Nightly,
    Realtime,
}

/// <summary>The <c>score-requests</c> queue message (≤ 100 users, &lt; 48 KB).</summary>
public sealed record ScoreRequest
{
    public const int MaxUsers = 100;

    public required string MerchantId { get; init; }

    public required IReadOnlyList<string> UserIds { get; init; }

    public required ScoreCause Cause { get; init; }

    public string? PartId { get; init; }

    public required DateTimeOffset AsOf { get; init; }
}

/// <summary>The <c>mine-requests</c> queue message; split so every message stays under 48 KB.</summary>
public sealed record MineRequest
{
    public required string MerchantId { get; init; }

    public required string PartId { get; init; }

    public required IReadOnlyList<ReviewToMine> Reviews { get; init; }
}

public sealed record ReviewToMine
{
    /// <summary>The event id, or a hash of the line when the log has none.</summary>
    public required string ReviewId { get; init; }

    public required string UserId { get; init; }

    public required string ProductId { get; init; }

    public string? CategoryId { get; init; }

    public int? Rating { get; init; }

    public required string Text { get; init; }

    public string? Language { get; init; }

    public required DateTimeOffset Timestamp { get; init; }
}

/// <summary>Queue message size limits of Azure Storage queues (64 KB, base64 inflates by 4/3).</summary>
public static class QueueLimits
{
    public const int MaxMessageBytes = 48 * 1024;
}
