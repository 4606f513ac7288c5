using Demand.Core.Ingestion;

namespace Demand.Core.Storage;

/// <summary>
/// A merchant's registered mapping as stored: the JSON (kept as written, so a document that no longer validates can
/// still be shown and reported), its version (1, 2, … per registration) and when it was registered.
/// </summary>
public sealed record StoredMapping(string Json, int Version, DateTimeOffset UpdatedAt)
{
    /// <exception cref="InvalidDataException">The stored mapping does not validate (the message says why).</exception>
    public LogMapping Parse() => LogMapping.Parse(Json);
}
