using System.Text.Json;
using Demand.Core.Identifiers;
using Demand.Core.Storage;
using Demand.Functions.Merchants;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Ingestion;

/// <summary>Upload URLs: one new blob under the merchant's own prefix, create-only, short-lived.</summary>
public sealed class UploadFunctions(IUploadUrls urls, IOptions<IngestionOptions> options, TimeProvider time)
{
    [Function("CreateUpload")]
    public async Task<Results<Ok<UploadResponse>, ValidationProblem, ProblemHttpResult>> CreateUpload(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.Uploads)] HttpRequest request, CancellationToken cancellationToken)
    {
        var body = new UploadRequest(null, null);
        if (request.ContentLength is > 0 || request.HasJsonContentType())
        {
            if (request.ContentLength > 16 * 1024)
            {
                return TypedResults.Problem(title: "Body too large", detail: "Send {\"fileName\": …, \"bytes\": …} only; the part itself goes to the returned URL.", statusCode: StatusCodes.Status413PayloadTooLarge);
            }

            if (!request.HasJsonContentType())
            {
                return TypedResults.Problem(title: "Unsupported media type", detail: "Send application/json, or no body.", statusCode: StatusCodes.Status415UnsupportedMediaType);
            }

            try
            {
                body = await request.ReadFromJsonAsync<UploadRequest>(cancellationToken) ?? body;
            }
            catch (JsonException ex)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [$"Malformed JSON: {ex.Message}"] });
            }
        }

        var result = await UploadHandlers.CreateUpload(request.RouteMerchant(), body, urls, options, time, cancellationToken);
        return result.Result switch
        {
            Ok<UploadResponse> ok => ok,
            ValidationProblem problem => problem,
            ProblemHttpResult problem => problem,
            _ => throw new InvalidOperationException("Unexpected result."),
        };
    }
}

/// <summary>The handler behind <see cref="UploadFunctions"/>, also described in OpenAPI.</summary>
public static class UploadHandlers
{
    public static async Task<Results<Ok<UploadResponse>, ValidationProblem, ProblemHttpResult>> CreateUpload(
        MerchantId merchantId, UploadRequest request, [FromServices] IUploadUrls urls, [FromServices] IOptions<IngestionOptions> options, [FromServices] TimeProvider time, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxPartBytes;
        if (request.Bytes is { } bytes && (bytes < 0 || bytes > limit))
        {
            return TypedResults.Problem(
                title: "Part too large",
                detail: $"A part may be at most {limit} bytes; split the file (by day or by line count) and upload the pieces.",
                statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        if (!UploadNames.TryExtension(request.FileName, out var extension))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["fileName"] = ["Its extension may hold only letters and digits (e.g. day-1.jsonl.gz)."] });
        }

        var partId = UploadNames.NewId();
        var name = UploadNames.Folder + partId + extension;
        var expires = time.GetUtcNow().AddMinutes(options.Value.UploadMinutes);
        var url = await urls.CreateOnlyAsync(merchantId.Value + "/" + name, expires, cancellationToken);
        return TypedResults.Ok(new UploadResponse(
            partId, url.ToString(), "PUT", new Dictionary<string, string> { ["x-ms-blob-type"] = "BlockBlob", ["If-None-Match"] = "*" }, name, expires, limit));
    }
}

/// <summary>Optional: the file's name (its extension is kept: <c>.jsonl.gz</c>) and size (refused up front when over the limit).</summary>
public sealed record UploadRequest(string? FileName, long? Bytes);

/// <summary>
/// <c>uploadUrl</c> creates exactly one blob (<c>name</c>, under the merchant's prefix) until <c>expiresAt</c>, with one
/// <c>PUT</c> and the given headers; it cannot overwrite, read, list or delete anything. <c>partId</c> is the id of
/// the part's ingestion report; parts over <c>maxBytes</c> are refused with a failed report.
/// </summary>
public sealed record UploadResponse(string PartId, string UploadUrl, string Method, IReadOnlyDictionary<string, string> Headers, string Name, DateTimeOffset ExpiresAt, long MaxBytes);
