using Azure.Storage.Blobs;
using Demand.Core.Synthetic;

namespace Demand.Cli.Commands;

/// <summary>Sample logs for <c>demand run</c>: a generated market ending yesterday, uploaded part by part like a merchant would.</summary>
internal static class SampleData
{
    public const string MerchantId = "m1";

    public static async Task<(int Parts, long Bytes)> UploadAsync(BlobContainerClient logsContainer, int users, int days, CancellationToken cancellationToken)
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
            await logsContainer.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            foreach (var file in summary.Files)
            {
                var name = Path.GetRelativePath(logs, file).Replace('\\', '/');
                await logsContainer.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(await File.ReadAllBytesAsync(file, cancellationToken)), overwrite: true, cancellationToken);
            }

            return (summary.Parts, summary.Bytes);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }
}
