using System.Text.Json;
using Demand.Core.Identifiers;
using Demand.Core.Ingestion;
using Demand.Core.Storage;
using Demand.Functions.Merchants;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Ingestion;

/// <summary>A merchant's log mapping: register (validated, versioned, checked on a sample), read, remove.</summary>
public sealed class MappingFunctions(IIngestionStore store, TimeProvider time)
{
    [Function("GetMapping")]
    public Task<Results<Ok<MappingResponse>, ProblemHttpResult>> GetMapping(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Mapping)] HttpRequest request, CancellationToken cancellationToken) =>
        MappingHandlers.GetMapping(request.RouteMerchant(), store, cancellationToken);

    [Function("PutMapping")]
    public async Task<Results<Ok<MappingPutResponse>, UnprocessableEntity<MappingPutResponse>, ValidationProblem, ProblemHttpResult>> PutMapping(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ApiRoutes.Mapping)] HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MappingHandlers.MaxBodyBytes)
        {
            return TypedResults.Problem(title: "Body too large", detail: $"Send at most {MappingHandlers.MaxBodyBytes} bytes (a sample of up to {MappingHandlers.MaxSampleBytes} bytes).", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        if (!request.HasJsonContentType())
        {
            return TypedResults.Problem(title: "Unsupported media type", detail: "Send application/json.", statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        MappingRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<MappingRequest>(cancellationToken);
        }
        catch (JsonException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [$"Malformed JSON: {ex.Message}"] });
        }

        bool? dryRun = null;
        if (request.Query("dryRun") is { } flag)
        {
            if (!bool.TryParse(flag, out var parsed))
            {
                return HttpRequestExtensions.Malformed("dryRun");
            }

            dryRun = parsed;
        }

        var result = await MappingHandlers.PutMapping(request.RouteMerchant(), body ?? new MappingRequest(null, null, null, null), dryRun, store, time, cancellationToken);
        return result.Result switch
        {
            Ok<MappingPutResponse> ok => ok,
            UnprocessableEntity<MappingPutResponse> refused => refused,
            ValidationProblem problem => problem,
            _ => throw new InvalidOperationException("Unexpected result."),
        };
    }

    [Function("DeleteMapping")]
    public Task<Ok<MappingDeleteResponse>> DeleteMapping(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ApiRoutes.Mapping)] HttpRequest request, CancellationToken cancellationToken) =>
        MappingHandlers.DeleteMapping(request.RouteMerchant(), store, cancellationToken);
}

/// <summary>The handlers behind <see cref="MappingFunctions"/>, also described in OpenAPI.</summary>
public static class MappingHandlers
{
    public const int MaxSampleBytes = 2 << 20;
    public const long MaxBodyBytes = 4L << 20;
    public const int DefaultRows = 10;

    public static async Task<Results<Ok<MappingResponse>, ProblemHttpResult>> GetMapping(MerchantId merchantId, [FromServices] IIngestionStore store, CancellationToken cancellationToken)
    {
        var stored = await store.GetStoredMappingAsync(merchantId, cancellationToken);
        if (stored is null)
        {
            return ApiProblems.NotFound();
        }

        string? problem = null;
        try
        {
            stored.Parse();
        }
        catch (InvalidDataException ex)
        {
            problem = ex.Message;
        }

        using var json = JsonDocument.Parse(stored.Json);
        return TypedResults.Ok(new MappingResponse(stored.Version, stored.UpdatedAt, json.RootElement.Clone(), problem is null, problem));
    }

    /// <summary>
    /// Validates the mapping; with a sample, parses it as ingestion would and refuses (422, nothing stored) a mapping
    /// under which the sample is unreadable or yields no event. <paramref name="dryRun"/> stores nothing in any case.
    /// </summary>
    public static async Task<Results<Ok<MappingPutResponse>, UnprocessableEntity<MappingPutResponse>, ValidationProblem>> PutMapping(
        MerchantId merchantId, MappingRequest request, bool? dryRun, [FromServices] IIngestionStore store, [FromServices] TimeProvider time, CancellationToken cancellationToken)
    {
        if (request.Mapping is not { ValueKind: JsonValueKind.Object } raw)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["mapping"] = ["Send {\"mapping\": { … }} (docs/log-format.md), optionally with \"sample\" (text) or \"sampleBase64\"."] });
        }

        LogMapping mapping;
        try
        {
            mapping = LogMapping.Parse(raw.GetRawText());
        }
        catch (InvalidDataException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["mapping"] = [ex.Message] });
        }

        byte[]? sample = null;
        if (request.SampleBase64 is { } base64)
        {
            var buffer = new byte[base64.Length];
            if (request.Sample is not null || !Convert.TryFromBase64String(base64, buffer, out var written))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["sampleBase64"] = ["Send either sample (text) or sampleBase64 (bytes, e.g. gzip), base64-encoded."] });
            }

            sample = buffer[..written];
        }
        else if (request.Sample is not null)
        {
            sample = System.Text.Encoding.UTF8.GetBytes(request.Sample);
        }

        if (sample is { Length: > MaxSampleBytes })
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["sample"] = [$"A sample is at most {MaxSampleBytes} bytes: send the first lines of a part."] });
        }

        var rows = request.Rows ?? DefaultRows;
        if (rows is < 0 or > 100)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["rows"] = ["rows is 0–100."] });
        }

        MappingCheckResult? check = null;
        if (sample is not null)
        {
            using var stream = new MemoryStream(sample, writable: false);
            check = MappingCheck.Run(mapping, stream, sample.Length, rows, now: time.GetUtcNow());
        }

        using var canonical = JsonDocument.Parse(mapping.ToJson());
        var shown = canonical.RootElement.Clone();
        if (check is { Ok: false })
        {
            return TypedResults.UnprocessableEntity(new MappingPutResponse(false, null, shown, check));
        }

        if (dryRun == true)
        {
            return TypedResults.Ok(new MappingPutResponse(false, null, shown, check));
        }

        var stored = await store.SaveMappingAsync(merchantId, mapping, cancellationToken);
        return TypedResults.Ok(new MappingPutResponse(true, stored.Version, shown, check));
    }

    public static async Task<Ok<MappingDeleteResponse>> DeleteMapping(MerchantId merchantId, [FromServices] IIngestionStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new MappingDeleteResponse(await store.DeleteMappingAsync(merchantId, cancellationToken)));
}

/// <summary><c>mapping</c>: the mapping (docs/log-format.md); <c>sample</c> (text) or <c>sampleBase64</c> (bytes): a log sample to check it on; <c>rows</c>: events to show (default 10).</summary>
public sealed record MappingRequest(JsonElement? Mapping, string? Sample, string? SampleBase64, int? Rows);

/// <summary><c>stored</c>: whether this request registered the mapping (then <c>version</c> is its version); <c>check</c>: how the sample parsed.</summary>
public sealed record MappingPutResponse(bool Stored, int? Version, JsonElement Mapping, MappingCheckResult? Check);

/// <summary>The registered mapping; <c>valid</c> false (with <c>problem</c>) when it no longer validates — parts then fail with that reason.</summary>
public sealed record MappingResponse(int Version, DateTimeOffset UpdatedAt, JsonElement Mapping, bool Valid, string? Problem);

public sealed record MappingDeleteResponse(bool Existed);
