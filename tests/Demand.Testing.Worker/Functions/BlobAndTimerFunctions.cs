using System.Text;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Testing.Worker.Functions;

/// <summary>An Event Grid blob trigger with path-pattern values, a queue output and a blob output; a timer.</summary>
public sealed class BlobAndTimerFunctions
{
    [Function("BlobIngest")]
    public static async Task<BlobIngestOutput> BlobIngest(
        [BlobTrigger("uploads/{merchantId}/{name}", Source = BlobTriggerSource.EventGrid)] Stream blob,
        string merchantId, string name, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(blob, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(cancellationToken);
        if (text.Contains("explode", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("blob asked to fail");
        }

        return new BlobIngestOutput
        {
            Report = $"{merchantId}|{name}|{text.Length}",
            Rejected = "rejected:" + text.ToUpperInvariant(),
        };
    }

    [Function("NightlyTimer")]
    [QueueOutput("timer-out")]
    public static string NightlyTimer([TimerTrigger("0 0 3 * * *")] TimerInfo timer) =>
        $"fired|pastDue={timer.IsPastDue}|next={timer.ScheduleStatus?.Next:O}";
}

/// <summary>The blob trigger's outputs: a report message and a rejected-lines blob next to the input's name.</summary>
public sealed class BlobIngestOutput
{
    [QueueOutput("blob-reports")]
    public required string Report { get; init; }

    [BlobOutput("quarantine/{merchantId}/{name}.rejected.jsonl")]
    public required string Rejected { get; init; }
}
