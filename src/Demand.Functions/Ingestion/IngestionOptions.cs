using System.ComponentModel.DataAnnotations;

namespace Demand.Functions.Ingestion;

/// <summary>Ingestion settings (section <c>Ingestion</c>).</summary>
public sealed class IngestionOptions
{
    public const string Section = "Ingestion";

    /// <summary>
    /// Largest log part ingested (bytes as stored, compressed or not). Larger parts are refused with a failed report
    /// before a byte is read: they would outlast the invocation and the memory budget, and retrying cannot help.
    /// </summary>
    [Range(1L << 10, 16L << 30)]
    public long MaxPartBytes { get; set; } = 128L << 20;

    /// <summary>How long a write URL from <c>POST …/uploads</c> stays valid.</summary>
    [Range(1, 60)]
    public int UploadMinutes { get; set; } = 15;
}
