using System.Collections.Concurrent;
using System.Text;
using Demand.Core.Storage;

namespace Demand.Functions.Tests.Infrastructure;

/// <summary>Keeps the last rejected rows written per part (the real one overwrites its blob the same way).</summary>
public sealed class CapturingQuarantine : IQuarantine
{
    private readonly ConcurrentDictionary<string, byte[]> _parts = new(StringComparer.Ordinal);

    public int Writes { get; private set; }

    public Task WriteAsync(Demand.Core.Identifiers.MerchantId merchantId, string blobName, ReadOnlyMemory<byte> rows, CancellationToken cancellationToken)
    {
        _parts[merchantId + "/" + blobName] = rows.ToArray();
        Writes++;
        return Task.CompletedTask;
    }

    /// <summary>The rejected rows of a part as text lines, or null when none were written.</summary>
    public IReadOnlyList<string>? Rows(string merchantId, string blobName) =>
        _parts.TryGetValue(merchantId + "/" + blobName, out var rows)
            ? Encoding.UTF8.GetString(rows).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            : null;
}
