using Azure.Storage.Blobs;
using Demand.Tooling.Synthetic;

namespace Demand.Cli.Commands;

/// <summary>Sample logs for <c>demand run</c>: a generated market ending yesterday, uploaded part by part like a merchant would.</summary>
internal static class SampleData
{
    public const string MerchantId = "m1";

    public static async Task<(int Parts, long Bytes)> UploadAsync(BlobServiceClient blobs, int users, int days, CancellationToken cancellationToken)
    {
        var staging = Directory.CreateTempSubdirectory("demand-sample-").FullName;
        try
        {
            var options = new MarketOptions
            {
                MerchantId = MerchantId,
                Users = users,
                Days = days,
                Start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-days),
            };
            var summary = MarketWriter.Write(options, staging, gzip: true);
            var logs = Path.Combine(staging, "logs");
            var container = blobs.GetBlobContainerClient("logs");
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            foreach (var file in summary.Files)
            {
                var name = Path.GetRelativePath(logs, file).Replace('\\', '/');
                await using var stream = File.OpenRead(file);
                await container.GetBlobClient(name).UploadAsync(stream, overwrite: true, cancellationToken);
            }

            return (summary.Parts, summary.Bytes);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }
}
