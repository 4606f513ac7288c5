using System.Text;
using Demand.Cli.Host;

namespace Demand.Cli.Commands;

/// <summary>Sample logs for <c>demand run</c>: a generated market, uploaded like a merchant would.</summary>
internal static class SampleData
{
    public const string MerchantId = "m1";

    public static async Task<(int Parts, long Bytes)> UploadAsync(LocalFunctionsHost host, int users, int days, CancellationToken cancellationToken)
    {
        // Placeholder until the synthetic market lands: a handful of events per user.
        var sb = new StringBuilder();
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        for (var u = 0; u < users; u++)
        {
            for (var d = 0; d < days; d++)
            {
                sb.Append("{\"eventId\":\"e").Append(u).Append('-').Append(d).Append("\",\"userId\":\"u").Append(u)
                  .Append("\",\"type\":\"view\",\"timestamp\":\"").Append(start.AddDays(d).AddMinutes(u).ToString("O", System.Globalization.CultureInfo.InvariantCulture))
                  .Append("\",\"productId\":\"p1\",\"categoryId\":\"c").Append(u % 7).Append("\"}\n");
            }
        }

        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        await host.UploadBlobAsync("logs", MerchantId + "/sample/part-0001.jsonl", bytes, cancellationToken);
        return (1, bytes.Length);
    }
}
