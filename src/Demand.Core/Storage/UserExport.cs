using System.Text.Json;

namespace Demand.Core.Storage;

/// <summary>Everything stored about one shopper, for access requests.</summary>
public sealed record UserExport(JsonElement? Features, JsonElement? Profile, IReadOnlyList<JsonElement> ReviewNeeds);
