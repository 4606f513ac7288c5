using System.Text.Json.Serialization;
using Demand.Core.Identifiers;
using Demand.Core.Storage;

namespace Demand.Infrastructure.Cosmos;

/// <summary>
/// Ended sessions as <c>insights</c> documents <c>session-ended.{sessionId}</c> in the merchant's partition (one point
/// read per dashboard request; not in <c>merchants</c>, whose every id names a merchant). Each carries a <c>ttl</c> up to its session's expiry, so Cosmos purges it when the cookie
/// would have stopped working anyway; the expiry is also checked on read, for stores that do not purge (the emulator).
/// </summary>
public sealed class CosmosDashboardSessionStore(DemandCosmos cosmos, TimeProvider time) : IDashboardSessionStore
{
    public async Task EndAsync(MerchantId merchantId, string sessionId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var seconds = (int)Math.Ceiling((expiresAt - time.GetUtcNow()).TotalSeconds);
        if (seconds <= 0)
        {
            return;
        }

        var document = new EndedSession { Id = IdOf(sessionId), MerchantId = merchantId, ExpiresAt = expiresAt, Ttl = seconds + 60 };
        await cosmos.Insights.UpsertItemAsync(document, DemandCosmos.MerchantKey(merchantId), cancellationToken: cancellationToken);
    }

    public async Task<bool> IsEndedAsync(MerchantId merchantId, string sessionId, CancellationToken cancellationToken)
    {
        var ended = await CosmosDocuments.ReadAsync<EndedSession>(cosmos.Insights, IdOf(sessionId), DemandCosmos.MerchantKey(merchantId), cancellationToken);
        return ended is not null && ended.MerchantId == merchantId.Value;
    }

    private static string IdOf(string sessionId) => "session-ended." + sessionId;

    private sealed class EndedSession
    {
        [JsonPropertyName("id")]
        public required string Id { get; init; }

        public required string MerchantId { get; init; }

        public string Type { get; init; } = "sessionEnded";

        public required DateTimeOffset ExpiresAt { get; init; }

        [JsonPropertyName("ttl")]
        public required int Ttl { get; init; }
    }
}
