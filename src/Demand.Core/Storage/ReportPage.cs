using Demand.Core.Ingestion;

namespace Demand.Core.Storage;

/// <summary>One page of a merchant's ingestion reports, newest first; <paramref name="Next"/> continues after the last one.</summary>
public sealed record ReportPage(IReadOnlyList<IngestionReport> Reports, string? Next);
