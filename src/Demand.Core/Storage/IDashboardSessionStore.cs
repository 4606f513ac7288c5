using Demand.Core.Identifiers;

namespace Demand.Core.Storage;

/// <summary>
/// Dashboard sessions ended before they expire (sign-out), by session id: a signed session cookie is otherwise valid
/// until its expiry, so a copy of it would outlive the sign-out. A record lives only as long as its session would have.
/// </summary>
public interface IDashboardSessionStore
{
    /// <summary>Ends session <paramref name="sessionId"/> of <paramref name="merchantId"/>; idempotent.</summary>
    Task EndAsync(MerchantId merchantId, string sessionId, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Whether the session was ended (one point read).</summary>
    Task<bool> IsEndedAsync(MerchantId merchantId, string sessionId, CancellationToken cancellationToken);
}
