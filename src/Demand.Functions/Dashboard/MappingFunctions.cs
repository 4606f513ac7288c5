using Demand.Core.Identifiers;
using System.Text;
using System.Text.Json;
using Demand.Core.Events;
using Demand.Core.Ingestion;
using Demand.Core.Storage;
using Demand.Functions.Merchants;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Dashboard;

/// <summary>The mapping page: the merchant's active log mapping and a dry run of it on pasted lines (nothing stored).</summary>
public sealed class DashboardMappingFunctions(IIngestionStore store, TimeProvider time)
{
    public const int MaxSampleBytes = 256 * 1024;
    public const int ShownEvents = 10;

    [Function("DashboardMapping")]
    public async Task<Ok<ActiveMappingResponse>> Mapping(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.Mapping)] HttpRequest request, CancellationToken cancellationToken)
    {
        var mapping = await store.GetMappingAsync(request.RouteMerchant(), cancellationToken);
        using var json = JsonDocument.Parse(mapping.ToJson());
        return TypedResults.Ok(new ActiveMappingResponse(mapping.Name, json.RootElement.Clone()));
    }

    /// <summary>Parses the sample exactly as ingestion would under the active mapping, and reports what it accepted and rejected.</summary>
    [Function("DashboardMappingDryRun")]
    public async Task<Results<Ok<DryRunResponse>, ValidationProblem>> DryRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = DashboardRoutes.MappingDryRun)] HttpRequest request, CancellationToken cancellationToken)
    {
        DryRunRequest? body = null;
        if (request.HasJsonContentType() && request.ContentLength is null or <= 2 * MaxSampleBytes)
        {
            try
            {
                body = await request.ReadFromJsonAsync<DryRunRequest>(cancellationToken);
            }
            catch (JsonException)
            {
            }
        }

        var sample = body?.Sample is { } text ? Encoding.UTF8.GetBytes(text) : null;
        if (sample is null || sample.Length == 0 || sample.Length > MaxSampleBytes)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["sample"] = [$"Send {{\"sample\": \"…\"}}: a few lines of a log part, at most {MaxSampleBytes / 1024} KiB."] });
        }

        var mapping = await store.GetMappingAsync(request.RouteMerchant(), cancellationToken);
        var events = new List<DryRunRow>();
        var ingestor = new LogIngestor(mapping, now: time.GetUtcNow())
        {
            OnAccepted = (line, e) =>
            {
                if (events.Count < ShownEvents)
                {
                    events.Add(new DryRunRow(line, null, new DryRunEvent(e.Type.ToWireName(), e.UserId, e.Timestamp, e.ProductId, e.CategoryId, e.EventId)));
                }
            },
        };
        var outcome = ingestor.Ingest(MerchantId.Parse("dry-run"), "dry-run", "sample", sample);
        var report = outcome.Report;
        var rejects = report.RejectsByReason.OrderByDescending(r => r.Value).Select(r => new DryRunRow(0, r.Key + " × " + r.Value, null));
        return TypedResults.Ok(new DryRunResponse(mapping.Name, report.Status, report.Error, report.LinesRead, report.Accepted, report.Rejected, report.Duplicates, [.. events, .. rejects]));
    }
}

/// <summary>The mapping ingestion uses for this merchant (its own, or the default preset).</summary>
public sealed record ActiveMappingResponse(string Name, JsonElement Mapping);

public sealed record DryRunRequest(string? Sample);

/// <summary>What the sample gave: counts as in an ingestion report, the first accepted events and the reject reasons.</summary>
public sealed record DryRunResponse(string Mapping, string Status, string? Error, long LinesRead, long Accepted, long Rejected, long Duplicates, IReadOnlyList<DryRunRow> Rows);

public sealed record DryRunRow(long Line, string? Reason, DryRunEvent? Event);

public sealed record DryRunEvent(string Type, string UserId, DateTimeOffset Timestamp, string? ProductId, string? CategoryId, string? EventId);
