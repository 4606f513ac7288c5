using Demand.Core.Identifiers;
using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Demand.Cli.Commands;

/// <summary>
/// <c>demand upload &lt;file&gt; --merchant m</c>: asks the API for a one-blob, create-only write URL
/// (<c>POST …/uploads</c>), uploads the file through it, and prints the part id whose ingestion report to poll.
/// </summary>
internal static class UploadCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "A log part: JSON Lines or CSV, optionally gzip." };
        var merchant = new Option<MerchantId>("--merchant") { Description = MerchantIdParser.Description, Required = true, CustomParser = MerchantIdParser.Parse };
        var wait = new Option<bool>("--wait") { Description = "Wait for the ingestion report and print it." };
        var upload = new Command("upload", "Upload a log part through a create-only upload URL and print its part id.") { file, merchant, wait, ApiConnection.Url, ApiConnection.Key };
        upload.SetAction((parse, ct) => RunAsync(ApiConnection.From(parse), parse.GetValue(merchant), parse.GetValue(file)!, parse.GetValue(wait), Console.Out, ct));
        return upload;
    }

    /// <summary>0: uploaded (and, with <paramref name="wait"/>, ingested); 1: refused or failed.</summary>
    internal static async Task<int> RunAsync(HttpClient api, MerchantId merchantId, FileInfo file, bool wait, TextWriter output, CancellationToken cancellationToken)
    {
        using var _ = api;
        var merchant = merchantId.Value;
        using var response = await api.PostAsJsonAsync(new Uri($"/api/v1/merchants/{merchant}/uploads", UriKind.Relative), new { fileName = file.Name, bytes = file.Length }, cancellationToken);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            output.WriteLine($"upload refused ({(int)response.StatusCode}): {answer}");
            return 1;
        }

        var partId = answer.GetProperty("partId").GetString()!;
        var url = new Uri(answer.GetProperty("uploadUrl").GetString()!);
        // One PUT whatever the size (parts are capped well below the single-request limit): create-only URLs allow
        // Put Blob, and If-None-Match: * makes the intent explicit.
        var blob = new BlockBlobClient(url);
        await using (var content = file.OpenRead())
        {
            await blob.UploadAsync(content, new BlobUploadOptions
            {
                Conditions = new BlobRequestConditions { IfNoneMatch = Azure.ETag.All },
                TransferOptions = new Azure.Storage.StorageTransferOptions { InitialTransferSize = 256L << 20, MaximumTransferSize = 256L << 20 },
            }, cancellationToken);
        }

        output.WriteLine($"uploaded {file.Name} ({file.Length:N0} bytes) as part {partId}");
        output.WriteLine($"report: GET /api/v1/merchants/{merchantId}/ingestions/{partId}");
        if (!wait)
        {
            return 0;
        }

        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            using var report = await api.GetAsync(new Uri($"/api/v1/merchants/{merchant}/ingestions/{partId}", UriKind.Relative), cancellationToken);
            if (report.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                continue;
            }

            var body = await report.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            output.WriteLine(JsonSerializer.Serialize(body, new JsonSerializerOptions { WriteIndented = true }));
            return body.GetProperty("status").GetString() is "ingested" or "duplicate" ? 0 : 1;
        }
    }
}
